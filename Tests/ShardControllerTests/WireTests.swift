import RPCCore
import RPCProtobuf
import RSM
import ShardController
import Testing

/// Every `skv.shardctrler` message round-trips through protobuf-c; malformed input is
/// `INVALID_ARGUMENT`.
@Suite struct WireTests {
    static func roundTrip<Message: ProtobufCConvertible & Equatable>(_ message: Message) throws -> Message {
        try ProtobufDeserializer<Message>().deserialize(ProtobufSerializer<Message>().serialize(message))
    }

    static func expectInvalidArgument<Message: ProtobufCConvertible>(
        _ bytes: [UInt8], as type: Message.Type, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            _ = try ProtobufDeserializer<Message>().deserialize(bytes)
            Issue.record("\(Message.self) decoded malformed bytes", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == .invalidArgument, "\(error)", sourceLocation: sourceLocation)
        }
    }

    static let session = ClientSession(clientID: 0xFEED_F00D_0000_0001, sequence: 42)
    static let config = ShardConfig(
        num: 7, shards: [1, 1, 2, 2, 3, 3, 1, 2, 3, UInt64.max], groups: [1: ["a", "b"], 2: ["c"], 3: ["é", "", "z"], UInt64.max: ["m"]])

    @Test func requestsAndRepliesRoundTrip() throws {
        let join = JoinRequest(session: Self.session, groups: [5: ["x", "y", "z"], 1: ["a"]])
        #expect(try Self.roundTrip(join) == join)
        #expect(try Self.roundTrip(JoinRequest(session: nil, groups: [:])) == JoinRequest(session: nil, groups: [:]))
        let leave = LeaveRequest(session: Self.session, gids: [3, 1, 2, 1])
        #expect(try Self.roundTrip(leave) == leave)
        let forced = LeaveRequest(session: nil, gids: [4], force: true)
        #expect(try Self.roundTrip(forced) == forced)
        let move = MoveRequest(session: nil, shard: 9, gid: 1 << 40)
        #expect(try Self.roundTrip(move) == move)
        #expect(try Self.roundTrip(QueryRequest()) == QueryRequest(num: -1))
        #expect(try Self.roundTrip(QueryRequest(num: 12)) == QueryRequest(num: 12))
        let change = ChangeReply(outcome: .ok, configNum: 9, leader: nil)
        #expect(try Self.roundTrip(change) == change)
        let redirect = ChangeReply(outcome: .wrongLeader, leader: LeaderHint(leaderID: 2, address: "h:1"))
        #expect(try Self.roundTrip(redirect) == redirect)
        let query = QueryReply(outcome: .ok, config: Self.config)
        #expect(try Self.roundTrip(query) == query)
        #expect(try Self.roundTrip(QueryReply(outcome: .timeout)) == QueryReply(outcome: .timeout))
    }

    /// A Leave's `force` on the wire: field 3 of the request (absent: not forced, so a client
    /// that does not know it is refused rather than orphaning shards); inverted in the log
    /// command (`refuse_orphaning`, field 7), so a Leave logged before the field existed
    /// (absent: the lab's Leave) still applies when replayed.
    @Test func leaveForceWireBytes() throws {
        // LeaveRequest { gids (2): [5], force (3): true }
        let request = LeaveRequest(session: nil, gids: [5], force: true)
        let requestBytes: [UInt8] = [0x12, 0x01, 0x05, 0x18, 0x01]
        #expect(try ProtobufSerializer<LeaveRequest>().serialize(request) == requestBytes)
        #expect(try ProtobufDeserializer<LeaveRequest>().deserialize([0x12, 0x01, 0x05]).force == false)
        // Command { kind (1): LEAVE = 2, gids (3): [5] } (no refuse_orphaning): forced.
        let oldLeave: [UInt8] = [0x08, 0x02, 0x1A, 0x01, 0x05]
        #expect(try ProtobufDeserializer<ShardCtrlerCommand>().deserialize(oldLeave) == .leave([5], force: true))
        #expect(try ProtobufSerializer<ShardCtrlerCommand>().serialize(.leave([5], force: true)) == oldLeave)
        // ... and with refuse_orphaning (7): true.
        let unforced: [UInt8] = oldLeave + [0x38, 0x01]
        #expect(try ProtobufSerializer<ShardCtrlerCommand>().serialize(.leave([5], force: false)) == unforced)
        #expect(try ProtobufDeserializer<ShardCtrlerCommand>().deserialize(unforced) == .leave([5], force: false))
    }

    @Test func sessionAndLeaderHintKeepTheirWireBytes() throws {
        // MoveRequest { session (1) { client_id (1): 1, sequence (2): 2 }, shard (2): 3, gid (3): 4 }
        let move = MoveRequest(session: ClientSession(clientID: 1, sequence: 2), shard: 3, gid: 4)
        let moveBytes: [UInt8] = [0x0A, 0x04, 0x08, 0x01, 0x10, 0x02, 0x10, 0x03, 0x18, 0x04]
        #expect(try ProtobufSerializer<MoveRequest>().serialize(move) == moveBytes)
        // ChangeReply { outcome (1): WRONG_LEADER = 1, leader (3) { leader_id (1): 3, address (2): "h:1" } }
        let reply = ChangeReply(outcome: .wrongLeader, leader: LeaderHint(leaderID: 3, address: "h:1"))
        let replyBytes: [UInt8] = [0x08, 0x01, 0x1A, 0x07, 0x08, 0x03, 0x12, 0x03, 0x68, 0x3A, 0x31]
        #expect(try ProtobufSerializer<ChangeReply>().serialize(reply) == replyBytes)
    }

    @Test(arguments: [
        ShardCtrlerOutcome.ok, .wrongLeader, .timeout, .groupExists, .noGroup, .invalidCommand, .wouldOrphanShards,
    ])
    func everyOutcomeRoundTrips(_ outcome: ShardCtrlerOutcome) throws {
        #expect(try Self.roundTrip(ChangeReply(outcome: outcome)).outcome == outcome)
    }

    @Test func commandsResultsAndSnapshotsRoundTrip() throws {
        let commands: [ShardCtrlerCommand] = [
            .join([3: ["a", "b"], 1: ["c"]]), .leave([4, 2], force: false), .leave([1], force: true),
            .move(shard: 3, gid: 8), .query(-1), .query(5),
        ]
        for command in commands { #expect(try Self.roundTrip(command) == command) }
        let result = ShardCtrlerCommandResult(outcome: .ok, configNum: 3, config: Self.config)
        #expect(try Self.roundTrip(result) == result)
        let snapshot = ShardCtrlerStateSnapshot(configs: [ShardConfig(), ShardConfig(num: 1, shards: Array(repeating: 4, count: 10), groups: [4: ["q"]])])
        #expect(try Self.roundTrip(snapshot) == snapshot)
        #expect(try Self.roundTrip(Self.config) == Self.config)
    }

    /// Groups go on the wire sorted by gid: the same groups always give the same bytes.
    @Test func joinBytesDoNotDependOnDictionaryOrder() throws {
        var ascending: [UInt64: [String]] = [:]
        var descending: [UInt64: [String]] = [:]
        for gid in UInt64(1)...20 { ascending[gid] = ["s\(gid)"] }
        for gid in (UInt64(1)...20).reversed() { descending[gid] = ["s\(gid)"] }
        let serializer = ProtobufSerializer<ShardCtrlerCommand>()
        #expect(try serializer.serialize(.join(ascending)) == serializer.serialize(.join(descending)))
    }

    @Test func garbageIsInvalidArgument() {
        let garbage: [UInt8] = [0xFF, 0xFF, 0xFF]
        Self.expectInvalidArgument(garbage, as: JoinRequest.self)
        Self.expectInvalidArgument(garbage, as: LeaveRequest.self)
        Self.expectInvalidArgument(garbage, as: MoveRequest.self)
        Self.expectInvalidArgument(garbage, as: QueryRequest.self)
        Self.expectInvalidArgument(garbage, as: ShardCtrlerCommand.self)
        Self.expectInvalidArgument(garbage, as: ShardConfig.self)
    }

    /// A Config with the wrong number of shards: field 1 (num) = 1, field 2 (shards, packed) = [1, 2].
    @Test func configWithTheWrongNumberOfShardsIsInvalidArgument() {
        Self.expectInvalidArgument([0x08, 0x01, 0x12, 0x02, 0x01, 0x02], as: ShardConfig.self)
        Self.expectInvalidArgument([0x08, 0x01], as: ShardConfig.self)
    }

    /// A Join listing gid 7 twice: field 2 (groups) twice, each `Group { gid: 7 }`.
    @Test func joinListingAGidTwiceIsInvalidArgument() {
        let group: [UInt8] = [0x12, 0x02, 0x08, 0x07]
        Self.expectInvalidArgument(group + group, as: JoinRequest.self)
        // Command: kind = JOIN (field 1 = 1), then the same group twice.
        Self.expectInvalidArgument([0x08, 0x01] + group + group, as: ShardCtrlerCommand.self)
    }

    /// Unknown enum numbers (proto3 enums are open).
    @Test func unknownEnumValuesAreInvalidArgument() {
        Self.expectInvalidArgument([0x08, 0x63], as: ShardCtrlerCommand.self)
        Self.expectInvalidArgument([0x08, 0x63], as: ChangeReply.self)
        Self.expectInvalidArgument([0x08, 0x63], as: QueryReply.self)
    }
}
