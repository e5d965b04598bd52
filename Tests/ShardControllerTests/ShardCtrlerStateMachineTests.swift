import RPCCore
import RPCProtobuf
import ShardController
import Testing

/// The controller's operations on the state machine directly, and its snapshot.
@Suite struct ShardCtrlerStateMachineTests {
    static func counts(_ config: ShardConfig) -> [Int] { config.gids.map { config.shardCountsByGroup[$0] ?? 0 } }

    @Test func configZeroHasNoGroupsAndNoAssignedShards() {
        let machine = ShardCtrlerStateMachine()
        #expect(machine.latest == ShardConfig())
        #expect(machine.latest.num == 0)
        #expect(machine.latest.shards == Array(repeating: 0, count: ShardConfig.shardCount))
        #expect(machine.latest.groups.isEmpty)
    }

    @Test func joinLeaveAndMoveEachCreateTheNextConfig() {
        var machine = ShardCtrlerStateMachine()
        #expect(machine.execute(.join([1: ["a", "b", "c"]])) == ShardCtrlerCommandResult(outcome: .ok, configNum: 1))
        #expect(machine.latest.shards == Array(repeating: 1, count: 10))
        #expect(machine.latest.groups == [1: ["a", "b", "c"]])

        #expect(machine.execute(.join([2: ["x"], 3: ["y"]])) == ShardCtrlerCommandResult(outcome: .ok, configNum: 2))
        #expect(Self.counts(machine.latest) == [4, 3, 3])

        #expect(machine.execute(.move(shard: 0, gid: 3)) == ShardCtrlerCommandResult(outcome: .ok, configNum: 3))
        let beforeMove = machine.config(2)
        var expected = beforeMove.shards
        expected[0] = 3
        #expect(machine.latest.shards == expected)

        #expect(machine.execute(.leave([1], force: false)) == ShardCtrlerCommandResult(outcome: .ok, configNum: 4))
        #expect(machine.latest.gids == [2, 3])
        #expect(Self.counts(machine.latest) == [5, 5])
        #expect(machine.execute(.leave([2, 3], force: true)) == ShardCtrlerCommandResult(outcome: .ok, configNum: 5))
        #expect(machine.latest.shards == Array(repeating: 0, count: 10))
        #expect(machine.configs.map(\.num) == [0, 1, 2, 3, 4, 5])
    }

    /// Without `force`, a Leave of the last groups is refused (the shards would go to gid 0)
    /// and changes nothing; with it, it applies (the lab's Leave). Unknown gids still win.
    @Test func leavingTheLastGroupsNeedsForce() {
        var machine = ShardCtrlerStateMachine()
        _ = machine.execute(.join([1: ["a"], 2: ["b"]]))
        #expect(machine.execute(.leave([1, 2], force: false)) == ShardCtrlerCommandResult(outcome: .wouldOrphanShards))
        #expect(machine.execute(.leave([1, 2, 3], force: false)).outcome == .noGroup)
        #expect(machine.configs.count == 2)
        #expect(machine.execute(.leave([1], force: false)) == ShardCtrlerCommandResult(outcome: .ok, configNum: 2))
        #expect(machine.latest.shards == Array(repeating: 2, count: ShardConfig.shardCount))
        #expect(machine.execute(.leave([2], force: false)).outcome == .wouldOrphanShards)
        #expect(machine.latest.num == 2)
        #expect(machine.execute(.leave([2], force: true)) == ShardCtrlerCommandResult(outcome: .ok, configNum: 3))
        #expect(machine.latest.shards == Array(repeating: ShardConfig.noGroup, count: ShardConfig.shardCount))
        #expect(machine.latest.groups.isEmpty)
    }

    /// The refusal goes through the log like any result: replicas applying the same entries
    /// agree, and a Leave without `force` is recorded as such in its bytes.
    @Test func anUnforcedLeaveAppliesTheSameFromItsBytes() throws {
        var machine = ShardCtrlerStateMachine()
        _ = machine.execute(.join([1: ["a"]]))
        let unforced = try ProtobufSerializer<ShardCtrlerCommand>().serialize(.leave([1], force: false))
        let reply = try ProtobufDeserializer<ShardCtrlerCommandResult>().deserialize(machine.apply(unforced, index: 2))
        #expect(reply == ShardCtrlerCommandResult(outcome: .wouldOrphanShards))
        let forced = try ProtobufSerializer<ShardCtrlerCommand>().serialize(.leave([1], force: true))
        let applied = try ProtobufDeserializer<ShardCtrlerCommandResult>().deserialize(machine.apply(forced, index: 3))
        #expect(applied == ShardCtrlerCommandResult(outcome: .ok, configNum: 2))
    }

    @Test func changesToUnknownOrExistingGroupsAreOutcomesAndChangeNothing() {
        var machine = ShardCtrlerStateMachine()
        _ = machine.execute(.join([1: ["a"]]))
        #expect(machine.execute(.join([1: ["b"], 2: ["c"]])).outcome == .groupExists)
        #expect(machine.execute(.leave([1, 9], force: true)).outcome == .noGroup)
        #expect(machine.execute(.move(shard: 3, gid: 9)).outcome == .noGroup)
        #expect(machine.configs.count == 2)
        #expect(machine.latest.groups == [1: ["a"]])
    }

    /// SetServers (a group's Raft membership changed) replaces the listed groups' servers in a
    /// new configuration that moves no shard; an unknown gid changes nothing; the same servers
    /// again make no configuration.
    @Test func setServersReplacesServerListsWithoutMovingShards() throws {
        var machine = ShardCtrlerStateMachine()
        _ = machine.execute(.join([1: ["a", "b", "c"], 2: ["d"]]))
        let before = machine.latest
        let bytes = try ProtobufSerializer<ShardCtrlerCommand>().serialize(.setServers([1: ["a", "b", "e"]]))
        #expect(try ProtobufDeserializer<ShardCtrlerCommand>().deserialize(bytes) == .setServers([1: ["a", "b", "e"]]))
        let reply = try ProtobufDeserializer<ShardCtrlerCommandResult>().deserialize(machine.apply(bytes, index: 2))
        #expect(reply == ShardCtrlerCommandResult(outcome: .ok, configNum: 2))
        #expect(machine.latest.shards == before.shards)
        #expect(machine.latest.groups == [1: ["a", "b", "e"], 2: ["d"]])
        #expect(machine.execute(.setServers([1: ["x"], 9: ["y"]])).outcome == .noGroup)
        #expect(machine.execute(.setServers([1: ["a", "b", "e"]])) == ShardCtrlerCommandResult(outcome: .ok, configNum: 2))
        #expect(machine.configs.count == 3)
    }

    @Test(arguments: [
        ShardCtrlerCommand.join([:]), .join([0: ["a"]]), .join([4: []]), .join([4: ["a\u{0}b"]]),
        .leave([], force: true), .leave([0], force: false), .move(shard: 10, gid: 1), .move(shard: 0, gid: 0),
        .query(-2), .setServers([:]), .setServers([0: ["a"]]), .setServers([1: []]),
    ])
    func commandsThatCanNeverExecuteAreInvalid(_ command: ShardCtrlerCommand) {
        var machine = ShardCtrlerStateMachine()
        _ = machine.execute(.join([1: ["a"]]))
        #expect(command.invalidReason != nil)
        #expect(machine.execute(command) == ShardCtrlerCommandResult(outcome: .invalidCommand))
        #expect(machine.configs.count == 2)
    }

    @Test func queryMinusOneOrPastTheLatestGivesTheLatest() throws {
        var machine = ShardCtrlerStateMachine()
        _ = machine.execute(.join([1: ["a"]]))
        _ = machine.execute(.join([2: ["b"]]))
        #expect(machine.execute(.query(-1)).config == machine.latest)
        #expect(machine.execute(.query(2)).config?.num == 2)
        #expect(machine.execute(.query(99)).config?.num == 2)
        #expect(machine.execute(.query(0)).config == ShardConfig())
        #expect(machine.execute(.query(1)).config?.groups == [1: ["a"]])
        #expect(machine.configs.count == 3, "a query creates no configuration")
        // The read path gives the same answer as applying.
        let bytes = try ProtobufSerializer<ShardCtrlerCommand>().serialize(.query(1))
        let applied = machine.apply(bytes, index: 10)
        #expect(machine.query(bytes) == applied)
        #expect(try ProtobufDeserializer<ShardCtrlerCommandResult>().deserialize(applied).config == machine.config(1))
    }

    @Test func queryOfAChangeCommandIsAnEmptyReply() throws {
        let machine = ShardCtrlerStateMachine()
        let join = try ProtobufSerializer<ShardCtrlerCommand>().serialize(.join([1: ["a"]]))
        #expect(machine.query(join) == [])
    }

    @Test func bytesThatAreNotACommandApplyAsANoOp() {
        var machine = ShardCtrlerStateMachine()
        #expect(machine.apply([0xFF, 0xFF, 0xFF], index: 1) == [])
        #expect(machine.configs.count == 1)
    }

    /// Two replicas fed the same commands write identical snapshots, whatever order the groups
    /// of a Join were built in; a restored replica continues identically.
    @Test func snapshotsAreIdenticalAcrossReplicasAndRestore() throws {
        var first = ShardCtrlerStateMachine()
        var second = ShardCtrlerStateMachine()
        var groupsA: [UInt64: [String]] = [:]
        var groupsB: [UInt64: [String]] = [:]
        for gid in UInt64(1)...8 { groupsA[gid] = ["s\(gid)-1", "s\(gid)-0"] }
        for gid in (UInt64(1)...8).reversed() { groupsB[gid] = ["s\(gid)-1", "s\(gid)-0"] }
        let commandsA: [ShardCtrlerCommand] = [.join(groupsA), .leave([3, 5], force: false), .move(shard: 9, gid: 8)]
        let commandsB: [ShardCtrlerCommand] = [.join(groupsB), .leave([3, 5], force: false), .move(shard: 9, gid: 8)]
        for (index, command) in commandsA.enumerated() {
            let bytes = try ProtobufSerializer<ShardCtrlerCommand>().serialize(command)
            _ = first.apply(bytes, index: UInt64(index + 1))
        }
        for (index, command) in commandsB.enumerated() {
            let bytes = try ProtobufSerializer<ShardCtrlerCommand>().serialize(command)
            _ = second.apply(bytes, index: UInt64(index + 1))
        }
        #expect(first.snapshot() == second.snapshot())
        #expect(first.configs == second.configs)

        var restored = ShardCtrlerStateMachine()
        try restored.restore(first.snapshot())
        #expect(restored.configs == first.configs)
        #expect(restored.latest.groups[8] == ["s8-1", "s8-0"], "server order is kept")
        #expect(restored.execute(.join([20: ["z"]])) == first.execute(.join([20: ["z"]])))
        #expect(restored.snapshot() == first.snapshot())
    }

    @Test func restoreRejectsBytesThatAreNotAHistory() throws {
        var machine = ShardCtrlerStateMachine()
        #expect(throws: RPCError.self) { try machine.restore([0xFF, 0xFF]) }
        let empty = try ProtobufSerializer<ShardCtrlerStateSnapshot>().serialize(ShardCtrlerStateSnapshot(configs: []))
        #expect(throws: RPCError.self) { try machine.restore(empty) }
        let gap = try ProtobufSerializer<ShardCtrlerStateSnapshot>().serialize(
            ShardCtrlerStateSnapshot(configs: [ShardConfig(), ShardConfig(num: 2)]))
        #expect(throws: RPCError.self) { try machine.restore(gap) }
    }
}
