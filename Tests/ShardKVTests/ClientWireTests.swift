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
        let open = try Self.roundTrip(ShardKVOpenSessionRequest(clientID: 4, key: [1]))
        #expect(open == ShardKVOpenSessionRequest(clientID: 4, key: [1]))
        #expect(group.apply(try open.command()).outcome == .ok)
        #expect(throws: RPCError.self) { try ShardKVOpenSessionRequest(clientID: 0, key: [1]).command() }

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
        let hint = LeaderHint(leaderID: 3, address: "127.0.0.1:7000")
        let getReply = ShardKVGetReply(outcome: .ok, value: [9, 8], leader: hint)
        #expect(try Self.roundTrip(getReply) == getReply)
        let wrongGroup = ShardKVWriteReply(outcome: .wrongGroup)
        #expect(try Self.roundTrip(wrongGroup) == wrongGroup)
        let wrongLeader = ShardKVWriteReply(outcome: .wrongLeader, leader: hint)
        #expect(try Self.roundTrip(wrongLeader) == wrongLeader)
    }

    @Test func sessionAndLeaderHintKeepTheirWireBytes() throws {
        // PutRequest { session (1) { client_id (1): 1, sequence (2): 2 }, key (2): "k", value (3): "v" }
        let put = ShardKVPutRequest(session: ClientSession(clientID: 1, sequence: 2), key: [0x6B], value: [0x76])
        let putBytes: [UInt8] = [0x0A, 0x04, 0x08, 0x01, 0x10, 0x02, 0x12, 0x01, 0x6B, 0x1A, 0x01, 0x76]
        #expect(try ProtobufSerializer<ShardKVPutRequest>().serialize(put) == putBytes)
        // WriteReply { outcome (1): WRONG_LEADER = 2, leader (2) { leader_id (1): 3, address (2): "h:1" } }
        let reply = ShardKVWriteReply(outcome: .wrongLeader, leader: LeaderHint(leaderID: 3, address: "h:1"))
        let replyBytes: [UInt8] = [0x08, 0x02, 0x12, 0x07, 0x08, 0x03, 0x12, 0x03, 0x68, 0x3A, 0x31]
        #expect(try ProtobufSerializer<ShardKVWriteReply>().serialize(reply) == replyBytes)
    }

    @Test func unknownOutcomeIsInvalidArgument() {
        // Field 1 (outcome) = 42.
        #expect(throws: RPCError.self) { _ = try ProtobufDeserializer<ShardKVWriteReply>().deserialize([0x08, 42]) }
    }
}
