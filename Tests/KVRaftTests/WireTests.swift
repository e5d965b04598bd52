import KVRaft
import RPCCore
import RPCProtobuf
import RSM
import Testing

/// skv.kv messages round-trip; malformed bytes and unknown enum values are `INVALID_ARGUMENT`.
@Suite struct WireTests {
    static func roundTrip<Message: ProtobufCConvertible & Equatable>(_ message: Message) throws {
        let bytes = try ProtobufSerializer<Message>().serialize(message)
        #expect(try ProtobufDeserializer<Message>().deserialize(bytes) == message)
    }

    static let session = ClientSession(clientID: 0xDEAD_BEEF_CAFE, sequence: 77)
    static let hint = LeaderHint(leaderID: 3, address: "10.0.0.3:7000")

    @Test func requestsRoundTrip() throws {
        try Self.roundTrip(GetRequest(key: [1, 2, 0]))
        try Self.roundTrip(OpenSessionRequest(clientID: 0xDEAD_BEEF_CAFE))
        try Self.roundTrip(PutRequest(session: Self.session, key: [1], value: Array(repeating: 9, count: 5000)))
        try Self.roundTrip(PutRequest(session: nil, key: [], value: []))
        try Self.roundTrip(AppendRequest(session: Self.session, key: [2], value: [3]))
        try Self.roundTrip(DeleteRequest(session: Self.session, key: [4]))
        try Self.roundTrip(CompareAndSwapRequest(session: Self.session, key: [5], expected: [6], expectAbsent: false, value: [7]))
        try Self.roundTrip(CompareAndSwapRequest(session: nil, key: [5], expected: [], expectAbsent: true, value: [7]))
        try Self.roundTrip(StatusRequest())
    }

    @Test func repliesRoundTrip() throws {
        for outcome in [KVOutcome.ok, .noKey, .wrongLeader, .timeout, .compareFailed] {
            try Self.roundTrip(GetReply(outcome: outcome, value: [1, 2], leader: Self.hint))
            try Self.roundTrip(WriteReply(outcome: outcome, leader: nil))
            try Self.roundTrip(CompareAndSwapReply(outcome: outcome, current: [8], currentPresent: true, leader: Self.hint))
            try Self.roundTrip(KVCommandResult(outcome: outcome, value: [1], valuePresent: true))
        }
        try Self.roundTrip(
            StatusReply(
                id: 1, term: 9, isLeader: true, leader: Self.hint, commitIndex: 10, appliedIndex: 8, raftStateBytes: 1234,
                snapshotIndex: 5))
    }

    @Test func internalMessagesRoundTrip() throws {
        for kind in [KVCommand.Kind.get, .put, .append, .delete, .compareAndSwap] {
            try Self.roundTrip(KVCommand(kind: kind, key: [1], value: [2], expected: [3], expectAbsent: true))
        }
        try Self.roundTrip(KVStateSnapshot(pairs: [.init(key: [], value: [1]), .init(key: [1], value: [])]))
    }

    @Test func sessionAndLeaderHintKeepTheirWireBytes() throws {
        // PutRequest { session (1) { client_id (1): 1, sequence (2): 2 }, key (2): "k", value (3): "v" }
        let put = PutRequest(session: ClientSession(clientID: 1, sequence: 2), key: [0x6B], value: [0x76])
        let putBytes: [UInt8] = [0x0A, 0x04, 0x08, 0x01, 0x10, 0x02, 0x12, 0x01, 0x6B, 0x1A, 0x01, 0x76]
        #expect(try ProtobufSerializer<PutRequest>().serialize(put) == putBytes)
        // WriteReply { outcome (1): WRONG_LEADER = 2, leader (2) { leader_id (1): 3, address (2): "h:1" } }
        let reply = WriteReply(outcome: .wrongLeader, leader: LeaderHint(leaderID: 3, address: "h:1"))
        let replyBytes: [UInt8] = [0x08, 0x02, 0x12, 0x07, 0x08, 0x03, 0x12, 0x03, 0x68, 0x3A, 0x31]
        #expect(try ProtobufSerializer<WriteReply>().serialize(reply) == replyBytes)
    }

    @Test func sessionWithClientIDZeroMeansNoSession() throws {
        // PutRequest { session { client_id: 0, sequence: 5 } }
        let bytes: [UInt8] = [0x0A, 0x02, 0x10, 0x05]
        #expect(try ProtobufDeserializer<PutRequest>().deserialize(bytes).session == nil)
    }

    @Test func unknownEnumValuesAreInvalidArgument() {
        // Field 1 (outcome / kind) = 99.
        let bytes: [UInt8] = [0x08, 0x63]
        let expected = Status.Code.invalidArgument
        #expect(throws: RPCError.self) { try ProtobufDeserializer<GetReply>().deserialize(bytes) }
        #expect(throws: RPCError.self) { try ProtobufDeserializer<WriteReply>().deserialize(bytes) }
        #expect(throws: RPCError.self) { try ProtobufDeserializer<KVCommand>().deserialize(bytes) }
        do {
            _ = try ProtobufDeserializer<KVCommandResult>().deserialize(bytes)
            Issue.record("an unknown outcome decoded")
        } catch {
            #expect(error.code == expected)
        }
    }

    @Test(arguments: [[0xFF], [0x0A, 0x05, 0x01], [0x12, 0x80], [0x0A, 0x02, 0x08]] as [[UInt8]])
    func malformedBytesAreInvalidArgument(_ bytes: [UInt8]) {
        #expect(throws: RPCError.self) { try ProtobufDeserializer<GetRequest>().deserialize(bytes) }
        #expect(throws: RPCError.self) { try ProtobufDeserializer<PutRequest>().deserialize(bytes) }
        #expect(throws: RPCError.self) { try ProtobufDeserializer<AppendRequest>().deserialize(bytes) }
        #expect(throws: RPCError.self) { try ProtobufDeserializer<DeleteRequest>().deserialize(bytes) }
        #expect(throws: RPCError.self) { try ProtobufDeserializer<CompareAndSwapRequest>().deserialize(bytes) }
        #expect(throws: RPCError.self) { try ProtobufDeserializer<KVStateSnapshot>().deserialize(bytes) }
    }
}
