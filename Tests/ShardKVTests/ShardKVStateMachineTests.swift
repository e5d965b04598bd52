import RPCCore
import RPCProtobuf
import RSM
import ShardController
import ShardKV
import Testing

/// The shard state machine's transitions, driven by hand on two groups (gid 100 and 101) the
/// way a driver would: configuration 1 gives every shard to 100, configuration 2 moves shards
/// 5...9 to 101. Every command goes through the wire encoding and two replicas per group.
@Suite struct ShardKVStateMachineTests {
    static let config1 = makeConfig(1, Array(repeating: 100, count: 10))
    static let config2 = makeConfig(2, [100, 100, 100, 100, 100, 101, 101, 101, 101, 101])
    static let config3 = makeConfig(3, Array(repeating: 101, count: 10))
    static let moved = [5, 6, 7, 8, 9]

    /// Both groups in configuration 1, every key "0"..."9" written at 100 as "v<key>".
    static func groupsInConfig1() -> (ReplicaGroup, ReplicaGroup) {
        var a = ReplicaGroup(gid: 100)
        var b = ReplicaGroup(gid: 101)
        #expect(a.install(config1).outcome == .ok)
        #expect(b.install(config1).outcome == .ok)
        for k in 0..<10 { #expect(a.put("\(k)", "v\(k)").outcome == .ok) }
        return (a, b)
    }

    /// Both groups have installed configuration 2; nothing moved yet.
    static func groupsInConfig2() -> (ReplicaGroup, ReplicaGroup) {
        var (a, b) = groupsInConfig1()
        #expect(a.install(config2).outcome == .ok)
        #expect(b.install(config2).outcome == .ok)
        return (a, b)
    }

    /// Pulls shards `shards` from `a` into `b` as a driver would (answerPull, InsertShards).
    static func pull(_ shards: [Int], from a: ReplicaGroup, into b: inout ReplicaGroup, configNum: UInt64 = 2) {
        guard case .ready(let data) = a.state.answerPull(configNum: configNum, shards: shards) else {
            Issue.record("gid \(a.gid) is not ready to hand over \(shards)")
            return
        }
        #expect(data.map(\.shard) == shards)
        #expect(b.apply(.insertShards(configNum: configNum, data: data)).outcome == .ok)
    }

    @Test func opsAnsweredOnlyForServedShards() {
        var (a, b) = Self.groupsInConfig1()
        #expect(a.read("3") == "v3")
        #expect(a.get("3").value == Array("v3".utf8))
        #expect(a.get("absent").outcome == .noKey)
        #expect(a.append("3", "+").outcome == .ok)
        #expect(a.read("3") == "v3+")
        #expect(a.apply(.clientOperation(ShardKVOperation(kind: .delete, key: Array("3".utf8)))).outcome == .ok)
        #expect(a.apply(.clientOperation(ShardKVOperation(kind: .delete, key: Array("3".utf8)))).outcome == .noKey)
        // Group 101 is in configuration 1 but owns nothing: every operation is WRONG_GROUP.
        #expect(b.put("3", "x").outcome == .wrongGroup)
        #expect(b.get("4").outcome == .wrongGroup)
        #expect(b.state.read(Array("4".utf8)).outcome == .wrongGroup)
        #expect(b.state.storedKeyCount == 0)
        // Before any configuration, no group serves anything.
        var fresh = ReplicaGroup(gid: 102)
        #expect(fresh.put("1", "x").outcome == .wrongGroup)
    }

    @Test func firstConfigurationServesShardsWithoutPulling() {
        var a = ReplicaGroup(gid: 100)
        a.install(Self.config1)
        for shard in 0..<10 { #expect(a.state.status(ofShard: shard) == .serving) }
        #expect(a.state.pullTasks.isEmpty)
        #expect(a.state.nextConfigNum == 2)
    }

    @Test func fullMigrationMovesDataAndDeletesTheOldCopy() throws {
        var (a, b) = Self.groupsInConfig2()
        // Old owner: moved shards stop being served at once and wait to be pulled.
        for shard in Self.moved {
            #expect(a.state.status(ofShard: shard) == .bePulled)
            #expect(b.state.status(ofShard: shard) == .pulling)
            #expect(!a.state.isServing(shard: shard) && !b.state.isServing(shard: shard))
        }
        #expect(a.put(key(inShard: 7), "late").outcome == .wrongGroup)
        #expect(a.state.nextConfigNum == nil && b.state.nextConfigNum == nil)
        #expect(!a.state.mayInstall(Self.config3))
        #expect(a.state.pullTasks.isEmpty && a.state.garbageCollectionTasks.isEmpty)
        #expect(b.state.pullTasks == [
            ShardTransfer(
                gid: 100, servers: ["server-100-0", "server-100-1", "server-100-2"], configNum: 2, shards: Self.moved)
        ])

        Self.pull(Self.moved, from: a, into: &b)
        for shard in Self.moved { #expect(b.state.status(ofShard: shard) == .gcPending) }
        for k in 0..<10 where Self.moved.contains(key2shard(Array("\(k)".utf8))) { #expect(b.read("\(k)") == "v\(k)") }
        #expect(b.state.pullTasks.isEmpty)
        let gc = b.state.garbageCollectionTasks
        #expect(gc.map(\.gid) == [100] && gc.first?.shards == Self.moved && gc.first?.configNum == 2)

        // The previous owner deletes on the new owner's request; the new owner then records it.
        #expect(a.apply(.deleteShards(configNum: 2, shards: Self.moved)).outcome == .ok)
        for shard in Self.moved { #expect(a.state.status(ofShard: shard) == nil) }
        #expect(a.state.storedKeyCount == 5)
        #expect(a.state.nextConfigNum == 3)
        #expect(b.apply(.shardsGarbageCollected(configNum: 2, shards: Self.moved)).outcome == .ok)
        for shard in Self.moved { #expect(b.state.status(ofShard: shard) == .serving) }
        #expect(b.state.garbageCollectionTasks.isEmpty)
        #expect(b.state.nextConfigNum == 3)
        #expect(b.state.storedKeyCount == 5)
        // The pulled answer is gone: a late pull finds nothing to hand over.
        #expect(a.state.answerPull(configNum: 2, shards: Self.moved) == .notReady(currentConfigNum: 2))
    }

    @Test func pullTasksAreGroupedByPreviousOwner() {
        // Configuration 2 splits the shards between 100 and 101; configuration 3 gives 102
        // shards from both, so it pulls from two groups.
        var c = ReplicaGroup(gid: 102)
        c.install(Self.config1)
        c.install(Self.config2)
        let config3 = makeConfig(3, [102, 100, 100, 100, 100, 102, 102, 101, 101, 101])
        #expect(c.install(config3).outcome == .ok)
        #expect(c.state.pullTasks.map(\.gid) == [100, 101])
        #expect(c.state.pullTasks.map(\.shards) == [[0], [5, 6]])
        #expect(c.state.pullTasks.allSatisfy { $0.configNum == 3 && $0.servers.count == 3 })
        #expect(c.state.garbageCollectionTasks.isEmpty)
        for shard in 1..<5 { #expect(c.state.status(ofShard: shard) == nil) }
    }

    @Test func retriedAppendAfterMigrationIsNotAppliedTwice() {
        var (a, b) = Self.groupsInConfig1()
        let k = key(inShard: 6)
        let client = ClientSession(clientID: 42, sequence: 7)
        #expect(a.openSession(42, onShardOf: k).outcome == .ok)
        // Applied at the old owner, but say the reply was lost.
        #expect(a.append(k, "x", client).outcome == .ok)
        a.install(Self.config2)
        b.install(Self.config2)
        Self.pull(Self.moved, from: a, into: &b)
        // The clerk retries at the new owner with the same session: cached reply, no effect.
        #expect(b.append(k, "x", client).outcome == .ok)
        #expect(b.read(k) == "v\(k)x")
        // An older sequence (already answered) is not applied either.
        #expect(b.append(k, "old", ClientSession(clientID: 42, sequence: 6)).outcome == .ok)
        #expect(b.read(k) == "v\(k)x")
        // The next write applies once, even when retried.
        let next = ClientSession(clientID: 42, sequence: 8)
        #expect(b.append(k, "y", next).outcome == .ok)
        #expect(b.append(k, "y", next).outcome == .ok)
        #expect(b.read(k) == "v\(k)xy")
        // A write without a session is applied on every delivery.
        b.append(k, "z")
        b.append(k, "z")
        #expect(b.read(k) == "v\(k)xyzz")
    }

    /// Defect 6 of issue 12: past the per-shard session limit the oldest session is evicted, and
    /// its retry (here after the shard moved with its table) is refused, never applied twice;
    /// the limit holds on the new owner too.
    @Test func anEvictedSessionsRetryIsRefusedAfterMigration() {
        var a = ReplicaGroup(gid: 100, maxSessionsPerShard: 2)
        var b = ReplicaGroup(gid: 101, maxSessionsPerShard: 2)
        a.install(Self.config1)
        b.install(Self.config1)
        let k = key(inShard: 6)
        for client: UInt64 in 1...3 {
            #expect(a.openSession(client, onShardOf: k).outcome == .ok)
            #expect(a.append(k, "\(client)", ClientSession(clientID: client, sequence: 1)).outcome == .ok)
        }
        #expect(a.state.sessionCount == 2)
        #expect(a.append(k, "1", ClientSession(clientID: 1, sequence: 1)).outcome == .sessionExpired)
        a.install(Self.config2)
        b.install(Self.config2)
        Self.pull(Self.moved, from: a, into: &b)
        #expect(b.append(k, "1", ClientSession(clientID: 1, sequence: 1)).outcome == .sessionExpired)
        #expect(b.append(k, "3", ClientSession(clientID: 3, sequence: 1)).outcome == .ok)
        #expect(b.read(k) == "123")
        // A fourth session evicts client 2 (the records moved with one index: the tie goes to
        // the smaller id), whose write is then refused as well.
        #expect(b.openSession(4, onShardOf: k).outcome == .ok)
        #expect(b.state.sessionCount == 2)
        #expect(b.append(k, "2", ClientSession(clientID: 2, sequence: 1)).outcome == .sessionExpired)
        #expect(b.read(k) == "123")
    }

    @Test func sessionsArePerShard() {
        var (a, _) = Self.groupsInConfig1()
        // The same client's consecutive writes to different shards are all applied, and a
        // retry of the earlier one (to its own shard) is still recognised. The session is
        // opened on each shard first.
        #expect(a.append("1", "a", ClientSession(clientID: 9, sequence: 1)).outcome == .sessionExpired)
        #expect(a.openSession(9, onShardOf: "1").outcome == .ok)
        #expect(a.openSession(9, onShardOf: "2").outcome == .ok)
        #expect(a.append("1", "a", ClientSession(clientID: 9, sequence: 1)).outcome == .ok)
        #expect(a.append("2", "b", ClientSession(clientID: 9, sequence: 2)).outcome == .ok)
        #expect(a.append("1", "a", ClientSession(clientID: 9, sequence: 1)).outcome == .ok)
        #expect(a.read("1") == "v1a")
        #expect(a.read("2") == "v2b")
    }

    @Test func installConfigOnlyInOrderAndOneAtATime() {
        var (a, _) = Self.groupsInConfig1()
        // A future configuration (skipping #2) is not installed.
        #expect(a.install(Self.config3).outcome == .notReady)
        #expect(a.state.currentConfig.num == 1)
        // A repeated old configuration is a no-op that keeps the data.
        #expect(a.install(Self.config1).outcome == .ok)
        #expect(a.install(makeConfig(0, Array(repeating: 0, count: 10))).outcome == .ok)
        #expect(a.state.currentConfig == Self.config1)
        #expect(a.read("5") == "v5")
        // While a migration is in progress, even the next configuration waits.
        a.install(Self.config2)
        #expect(a.state.isMigrating)
        #expect(a.install(Self.config3).outcome == .notReady)
        #expect(a.state.currentConfig.num == 2)
        #expect(a.install(Self.config2).outcome == .ok)
        for shard in Self.moved { #expect(a.state.status(ofShard: shard) == .bePulled) }
    }

    @Test func lateAndDuplicateMigrationCommandsAreIgnored() throws {
        var (a, b) = Self.groupsInConfig2()
        guard case .ready(let data) = a.state.answerPull(configNum: 2, shards: Self.moved) else {
            Issue.record("old owner not ready")
            return
        }
        // Wrong configuration numbers: future ones are not ready, past ones no-ops.
        #expect(b.apply(.insertShards(configNum: 3, data: data)).outcome == .notReady)
        #expect(b.apply(.insertShards(configNum: 1, data: data)).outcome == .ok)
        for shard in Self.moved { #expect(b.state.status(ofShard: shard) == .pulling) }
        #expect(a.apply(.deleteShards(configNum: 3, shards: Self.moved)).outcome == .notReady)
        #expect(a.apply(.deleteShards(configNum: 1, shards: Self.moved)).outcome == .ok)
        for shard in Self.moved { #expect(a.state.status(ofShard: shard) == .bePulled) }
        #expect(b.apply(.shardsGarbageCollected(configNum: 2, shards: Self.moved)).outcome == .ok)
        for shard in Self.moved { #expect(b.state.status(ofShard: shard) == .pulling) }
        // Delete of shards the group serves (not bePulled) does nothing.
        #expect(a.apply(.deleteShards(configNum: 2, shards: [0, 1])).outcome == .ok)
        #expect(a.read(key(inShard: 0)) == "v\(key(inShard: 0))")

        // The real insert, then a write, then a duplicate insert: the write survives.
        #expect(b.apply(.insertShards(configNum: 2, data: data)).outcome == .ok)
        let k = key(inShard: 8)
        #expect(b.put(k, "new").outcome == .ok)
        #expect(b.apply(.insertShards(configNum: 2, data: data)).outcome == .ok)
        #expect(b.read(k) == "new")
        // Insert of data for a shard the group does not pull is ignored.
        let foreign = ShardData(
            shard: 0, pairs: [ShardData.Pair(key: Array("2".utf8), value: Array("bad".utf8))], sessions: [])
        #expect(b.apply(.insertShards(configNum: 2, data: [foreign])).outcome == .ok)
        #expect(b.state.status(ofShard: 0) == nil)
        #expect(b.read("2") == nil)

        #expect(a.apply(.deleteShards(configNum: 2, shards: Self.moved)).outcome == .ok)
        #expect(a.apply(.deleteShards(configNum: 2, shards: Self.moved)).outcome == .ok)
        #expect(b.apply(.shardsGarbageCollected(configNum: 2, shards: Self.moved)).outcome == .ok)
        #expect(b.apply(.shardsGarbageCollected(configNum: 2, shards: Self.moved)).outcome == .ok)
        #expect(b.read(k) == "new")
        // Once both moved on, a very late delete for configuration 2 is acknowledged as done.
        a.install(Self.config3)
        #expect(a.apply(.deleteShards(configNum: 2, shards: Self.moved)).outcome == .ok)
        #expect(a.state.answerPull(configNum: 2, shards: [0]) == .notReady(currentConfigNum: 3))
    }

    @Test func unaffectedShardsServeThroughoutAndArrivedShardsServeEarly() {
        var (a, b) = Self.groupsInConfig2()
        // Old owner keeps serving the shards it keeps, although 101 has pulled nothing yet.
        for shard in 0..<5 {
            #expect(a.state.status(ofShard: shard) == .serving)
            #expect(a.append(key(inShard: shard), "!").outcome == .ok)
        }
        // 101 receives shard 5 only (say 6...9 are stuck): 5 is served, the others not.
        Self.pull([5], from: a, into: &b)
        #expect(b.state.isServing(shard: 5))
        #expect(b.append(key(inShard: 5), "@").outcome == .ok)
        #expect(b.read(key(inShard: 5)) == "v\(key(inShard: 5))@")
        for shard in 6..<10 { #expect(b.get(key(inShard: shard)).outcome == .wrongGroup) }
        #expect(b.state.pullTasks.first?.shards == [6, 7, 8, 9])
        for shard in 0..<5 { #expect(a.read(key(inShard: shard)) == "v\(key(inShard: shard))!") }
    }

    @Test func snapshotsAreIdenticalAcrossReplicasMidMigration() throws {
        var (a, b) = Self.groupsInConfig2()
        Self.pull([5, 6], from: a, into: &b)
        a.apply(.deleteShards(configNum: 2, shards: [5, 6]))
        // Every shard state of a migration is present somewhere: serving, pulling, bePulled,
        // gcPending (`retained` needs an empty configuration: see the test of that path).
        let statuses = [a, b].flatMap { group in (0..<10).compactMap { group.state.status(ofShard: $0) } }
        #expect(Set(statuses) == Set(ShardStatus.allCases).subtracting([.retained]))
        #expect(a.replicasAgree && b.replicasAgree)

        // A replica restored from the snapshot is indistinguishable and continues identically.
        try b.restoreReplica(1)
        #expect(b.replicasAgree)
        #expect(b.replicas[1].pullTasks == b.replicas[0].pullTasks)
        #expect(b.replicas[1].garbageCollectionTasks == b.replicas[0].garbageCollectionTasks)
        #expect(b.replicas[1].currentConfig == Self.config2 && b.replicas[1].previousConfig == Self.config1)
        // The restored per-shard session table still recognises a retried write.
        let client = ClientSession(clientID: 5, sequence: 1)
        b.openSession(5, onShardOf: key(inShard: 5))
        b.append(key(inShard: 5), "s", client)
        try b.restoreReplica(1)
        #expect(b.append(key(inShard: 5), "s", client).outcome == .ok)
        #expect(b.read(key(inShard: 5)) == "v\(key(inShard: 5))s")
        Self.pull([7, 8, 9], from: a, into: &b)
        b.apply(.shardsGarbageCollected(configNum: 2, shards: [5, 6]))
        #expect(b.replicasAgree)
        try a.restoreReplica(1)
        #expect(a.replicasAgree)

        // Restoring a snapshot twice gives the same bytes (no dictionary-order dependence).
        var copy = ShardKVStateMachine(gid: 101)
        try copy.restore(b.state.snapshot())
        #expect(copy.snapshot() == b.state.snapshot())
    }

    @Test func malformedBytesAreInvalidArgument() throws {
        var (a, _) = Self.groupsInConfig1()
        let before = a.state.snapshot()
        #expect(a.applyBytes([0xFF, 0xFF, 0xFF, 0xFF]).outcome == .invalidArgument)
        // Field 1 (kind) = 99: an unknown command kind.
        #expect(a.applyBytes([0x08, 99]).outcome == .invalidArgument)
        // InstallConfig (kind 1) without a configuration.
        #expect(a.applyBytes([0x08, 0x01]).outcome == .invalidArgument)
        // DeleteShards (kind 3) of shard 10 (field 8, packed uint32), out of range.
        #expect(a.applyBytes([0x08, 0x03, 0x38, 0x02, 0x42, 0x01, 0x0A]).outcome == .invalidArgument)
        #expect(a.state.snapshot() == before)

        #expect(throws: RPCError.self) { _ = try ProtobufDeserializer<ShardKVCommand>().deserialize([0x08, 0x01]) }
        let reply = try ProtobufDeserializer<ShardKVCommandResult>().deserialize(a.state.query([0xFF, 0x01]))
        #expect(reply.outcome == .invalidArgument)
        let putQuery = try ProtobufSerializer<ShardKVCommand>().serialize(
            .clientOperation(ShardKVOperation(kind: .put, key: [1], value: [2])))
        let putReply = try ProtobufDeserializer<ShardKVCommandResult>().deserialize(a.state.query(putQuery))
        #expect(putReply.outcome == .invalidArgument)
        var fresh = ShardKVStateMachine(gid: 100)
        #expect(throws: RPCError.self) { try fresh.restore([0xFF, 0xFF]) }
    }

    /// Found by the `shardkv-wire` fuzz target: a snapshot whose configuration gives this
    /// group a shard it has no entry for restored, and the next InstallConfig trapped ("holds
    /// shard 0 but has no data for it"). Restore now refuses it.
    @Test func snapshotHoldingAShardWithoutItsDataIsRejected() throws {
        let inconsistent = ShardKVStateSnapshot(current: Self.config1, previous: ShardConfig(), entries: [])
        var fresh = ShardKVStateMachine(gid: 100)
        #expect(throws: RPCError.self) {
            try fresh.restore(try ProtobufSerializer<ShardKVStateSnapshot>().serialize(inconsistent))
        }
        // The fuzzer's input (configuration 1 gives every shard to gid 100; no shard entries).
        let fuzzed: [UInt8] = [
            0x0a, 0x25, 0x08, 0x01, 0x12, 0x0a, 0x64, 0x64, 0x64, 0x64, 0x64, 0x64, 0x64, 0x64, 0x64, 0x64,
            0x22, 0x0c, 0x08, 0x64, 0x12, 0x03, 0x61, 0x3a, 0x31, 0x12, 0x03, 0x62, 0x3a, 0x32, 0x1a, 0x07,
            0x08, 0x65, 0x12, 0x03, 0x63, 0x3a, 0x33, 0x12, 0x0c, 0x12, 0x0a, 0x00, 0x02, 0x12, 0x05, 0x1a,
            0x04, 0x12, 0x02, 0x08, 0x06,
        ]
        #expect(throws: RPCError.self) { try fresh.restore(fuzzed) }
        // The other group of that configuration holds nothing, so the same snapshot is fine there.
        var other = ShardKVStateMachine(gid: 101)
        try other.restore(fuzzed)
        #expect(other.currentConfig.num == 1)
    }

    @Test func shardDataWithABadSessionRecordIsRejected() throws {
        var (a, b) = Self.groupsInConfig2()
        let bogus = SessionRecord(clientID: 3, sequence: 1, reply: [0xFF, 0xFF], lastIndex: 1)
        let data = ShardData(shard: 5, pairs: [], sessions: [bogus])
        let bytes = try ProtobufSerializer<ShardKVCommand>().serialize(.insertShards(configNum: 2, data: [data]))
        #expect(throws: RPCError.self) { _ = try ProtobufDeserializer<ShardKVCommand>().deserialize(bytes) }
        #expect(b.applyBytes(bytes).outcome == .invalidArgument)
        #expect(b.state.status(ofShard: 5) == .pulling)
        let noClient = ShardData(
            shard: 5, pairs: [], sessions: [SessionRecord(clientID: 0, sequence: 1, reply: [], lastIndex: 1)])
        #expect(b.apply(.insertShards(configNum: 2, data: [noClient])).outcome == .invalidArgument)
        // The real data still goes in afterwards.
        Self.pull([5], from: a, into: &b)
        #expect(b.state.status(ofShard: 5) == .gcPending)
    }

    /// The data-loss path of a configuration that gives shards to no group: the last owner keeps
    /// them `retained` without blocking later configurations, and the group that is given them
    /// after a later Join pulls them from that owner (it must not create them empty).
    @Test func shardsOwnedByNoGroupSurviveUntilTheNextOwnerPullsThem() throws {
        var (a, b) = Self.groupsInConfig1()
        let empty = ShardConfig(num: 2)
        #expect(a.install(empty).outcome == .ok)
        #expect(b.install(empty).outcome == .ok)
        for shard in 0..<10 {
            #expect(a.state.status(ofShard: shard) == .retained)
            #expect(!a.state.isServing(shard: shard))
        }
        #expect(a.get("3").outcome == .wrongGroup)
        #expect(a.state.nextConfigNum == 3, "a retained shard must not block the next configuration")
        // Another empty configuration, then one that gives everything to 101.
        #expect(a.install(ShardConfig(num: 3)).outcome == .ok)
        #expect(b.install(ShardConfig(num: 3)).outcome == .ok)
        let config4 = makeConfig(4, Array(repeating: 101, count: 10))
        #expect(a.install(config4).outcome == .ok)
        #expect(b.install(config4).outcome == .ok)
        for shard in 0..<10 {
            #expect(a.state.status(ofShard: shard) == .bePulled)
            #expect(b.state.status(ofShard: shard) == .pulling)
        }
        let tasks = b.state.pullTasks
        #expect(tasks == [ShardTransfer(gid: 100, servers: (0..<3).map { "server-100-\($0)" }, configNum: 4, shards: Array(0..<10))])
        // The sources survive a snapshot round trip on every replica.
        try b.restoreReplica(1)
        #expect(b.replicasAgree)
        Self.pull(Array(0..<10), from: a, into: &b, configNum: 4)
        for k in 0..<10 { #expect(b.read("\(k)") == "v\(k)") }
        #expect(b.state.garbageCollectionTasks.map(\.gid) == [100])
        #expect(a.apply(.deleteShards(configNum: 4, shards: Array(0..<10))).outcome == .ok)
        #expect(a.state.storedKeyCount == 0)
        // The group that retained the shards gets them back directly when it is their next owner.
        var d = ReplicaGroup(gid: 100)
        #expect(d.install(makeConfig(1, Array(repeating: 100, count: 10))).outcome == .ok)
        #expect(d.put("5", "kept").outcome == .ok)
        #expect(d.install(ShardConfig(num: 2)).outcome == .ok)
        #expect(d.install(makeConfig(3, Array(repeating: 100, count: 10))).outcome == .ok)
        for shard in 0..<10 { #expect(d.state.status(ofShard: shard) == .serving) }
        #expect(d.state.pullTasks.isEmpty)
        #expect(d.read("5") == "kept")
    }

    @Test func queryAnswersLikeApply() throws {
        var (a, _) = Self.groupsInConfig1()
        let get = try ProtobufSerializer<ShardKVCommand>().serialize(
            .clientOperation(ShardKVOperation(kind: .get, key: Array("4".utf8))))
        let queried = try ProtobufDeserializer<ShardKVCommandResult>().deserialize(a.state.query(get))
        #expect(queried == a.get("4"))
        #expect(queried.value == Array("v4".utf8))
    }

    @Test(arguments: [
        ShardKVCommand.clientOperation(
            ShardKVOperation(kind: .append, key: [1, 2], value: [3], session: ClientSession(clientID: 7, sequence: 9))),
        .clientOperation(ShardKVOperation(kind: .delete, key: [])),
        .installConfig(config2),
        .insertShards(
            configNum: 4, data: [ShardData(shard: 3, pairs: [ShardData.Pair(key: [1], value: [])], sessions: [])]),
        .deleteShards(configNum: 5, shards: [0, 9]),
        .shardsGarbageCollected(configNum: 6, shards: [4]),
    ])
    func commandsRoundTripThroughTheWire(command: ShardKVCommand) throws {
        let bytes = try ProtobufSerializer<ShardKVCommand>().serialize(command)
        #expect(try ProtobufDeserializer<ShardKVCommand>().deserialize(bytes) == command)
    }
}
