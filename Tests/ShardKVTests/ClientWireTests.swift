import RPCCore
import RPCProtobuf
import RSM
import ShardController
import ShardKV
import Testing

/// The client-facing messages round-trip through the wire, and each request's `command`
/// executes the operation it names.
@Suite struct ClientWireTests {
    static func roundTrip<Message: ProtobufCConvertible & Equatable>(_ message: Message) throws -> Message {
        try ProtobufDeserializer<Message>().deserialize(ProtobufSerializer<Message>().serialize(message))
    }

    @Test func requestsRoundTripAndExecute() throws {
        var group = ReplicaGroup(gid: 100)
        group.install(makeConfig(1, Array(repeating: 100, count: 10)))
        let session = ClientSession(clientID: 4, sequence: 1)

        let put = try Self.roundTrip(ShardKVPutRequest(session: session, key: [1], value: [2]))
        #expect(put == ShardKVPutRequest(session: session, key: [1], value: [2]))
        #expect(group.apply(put.command).outcome == .ok)
        let append = try Self.roundTrip(
            ShardKVAppendRequest(session: ClientSession(clientID: 4, sequence: 2), key: [1], value: [3]))
        #expect(group.apply(append.command).outcome == .ok)
        let get = try Self.roundTrip(ShardKVGetRequest(key: [1]))
        #expect(group.apply(get.command).value == [2, 3])
        let delete = try Self.roundTrip(ShardKVDeleteRequest(session: nil, key: [1]))
        #expect(delete.session == nil)
        #expect(group.apply(delete.command).outcome == .ok)
        #expect(group.apply(get.command).outcome == .noKey)
    }

    @Test func repliesRoundTrip() throws {
        let hint = ShardKVLeaderHint(leaderID: 3, address: "127.0.0.1:7000")
        let getReply = ShardKVGetReply(outcome: .ok, value: [9, 8], leader: hint)
        #expect(try Self.roundTrip(getReply) == getReply)
        let wrongGroup = ShardKVWriteReply(outcome: .wrongGroup)
        #expect(try Self.roundTrip(wrongGroup) == wrongGroup)
        let wrongLeader = ShardKVWriteReply(outcome: .wrongLeader, leader: hint)
        #expect(try Self.roundTrip(wrongLeader) == wrongLeader)
    }

    @Test func unknownOutcomeIsInvalidArgument() {
        // Field 1 (outcome) = 42.
        #expect(throws: RPCError.self) { _ = try ProtobufDeserializer<ShardKVWriteReply>().deserialize([0x08, 42]) }
    }
}
