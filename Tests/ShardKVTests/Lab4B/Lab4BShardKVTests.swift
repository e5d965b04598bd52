import LabHarness
import ShardController
import ShardKV
import Synchronization
import Testing

/// Every 6.824 Lab 4B test (`shardkv/test_test.go`, 2021/2022; /work/shared spec §6.2) with
/// the lab's schedules and thresholds, including both challenges.
extension Lab4B {
    @Suite struct ShardKVTests {
        @Test func staticShards() async throws { try await Self.staticShards() }
        @Test func joinLeave() async throws { try await Self.joinLeave() }
        @Test func snapshot() async throws { try await Self.snapshot() }
        @Test func missChange() async throws { try await Self.missChange() }
        @Test func concurrent1() async throws { try await Self.concurrent1() }
        @Test func concurrent2() async throws { try await Self.concurrent2() }
        @Test func concurrent3() async throws { try await Self.concurrent3() }
        @Test func unreliable1() async throws { try await Self.unreliable1() }
        @Test func unreliable2() async throws { try await Self.unreliable2() }
        @Test func unreliable3() async throws { try await Self.unreliable3() }
        @Test func challenge1Delete() async throws { try await Self.challenge1Delete() }
        @Test func challenge2Unaffected() async throws { try await Self.challenge2Unaffected() }
        @Test func challenge2Partial() async throws { try await Self.challenge2Partial() }

        static let keyCount = 10

        static func keys(_ n: Int = keyCount) -> [String] { (0..<n).map { String($0) } }

        /// Puts `n` keys "0"… with random values of `length`; returns the values.
        static func putKeys(
            _ cluster: ShardKVLabCluster, _ clerk: ShardKVClerk, _ n: Int = keyCount, length: Int
        ) async throws -> [String] {
            var values: [String] = []
            for key in keys(n) {
                let value = cluster.lab.randomString(length)
                try await cluster.put(clerk, key, value)
                values.append(value)
            }
            return values
        }

        static func staticShards() async throws {
            try await ShardKVLabCluster.with(unreliable: false, maxRaftState: -1) { cfg in
                cfg.lab.begin("Test: static shards")
                let ck = cfg.makeClerk()
                try await cfg.join(0)
                try await cfg.join(1)
                let keys = Self.keys()
                let values = try await Self.putKeys(cfg, ck, length: 20)
                try await cfg.checkAll(ck, keys, values)

                // Make sure that the data really is sharded by shutting down one group and
                // checking that some Get()s don't succeed.
                await cfg.shutdownGroup(1)
                try await cfg.lab.checkLogs()  // forbid snapshots

                let completions = Mutex<(count: Int, last: Duration)>((0, cfg.lab.now()))
                let wrong = Mutex<[String]>([])
                for (key, value) in zip(keys, values) {
                    _ = cfg.lab.spawn {
                        let ck1 = cfg.makeClerk()
                        let got = try await cfg.get(ck1, key)
                        if got != value { wrong.withLock { $0.append("Get(\(key)) = \(got), want \(value)") } }
                        let now = cfg.lab.now()
                        completions.withLock { $0 = ($0.count + 1, now) }
                    }
                }
                // Wait until 2 seconds pass with no new completion (the lab's select loop).
                let started = cfg.lab.now()
                while cfg.lab.now() - completions.withLock({ $0.last }) < .seconds(2)
                    || cfg.lab.now() - started < .seconds(2)
                {
                    try await cfg.lab.sleep(for: .milliseconds(20))
                }
                let done = completions.withLock { $0.count }
                #expect(wrong.withLock { $0 }.isEmpty, "\(wrong.withLock { $0 }) (seed \(cfg.seed))")
                guard done == 5 else { throw LabFailure("expected 5 completions with one shard dead; got \(done)") }

                // Bring the crashed group back to life.
                try await cfg.startGroup(1)
                try await cfg.checkAll(ck, keys, values)
                try cfg.lab.end()
            }
        }

        static func joinLeave() async throws {
            try await ShardKVLabCluster.with(unreliable: false, maxRaftState: -1) { cfg in
                cfg.lab.begin("Test: join then leave")
                let ck = cfg.makeClerk()
                try await cfg.join(0)
                let keys = Self.keys()
                var values = try await Self.putKeys(cfg, ck, length: 5)
                try await cfg.checkAll(ck, keys, values)
                try await cfg.join(1)
                values = try await cfg.checkAndAppend(ck, keys, values, length: 5)
                try await cfg.leave(0)
                values = try await cfg.checkAndAppend(ck, keys, values, length: 5)
                try await cfg.lab.sleep(for: .seconds(1))
                try await cfg.checkAll(ck, keys, values)
                // Allow time for shards to transfer.
                try await cfg.lab.sleep(for: .seconds(1))
                try await cfg.lab.checkLogs()
                await cfg.shutdownGroup(0)
                try await cfg.checkAll(ck, keys, values)
                try cfg.lab.end()
            }
        }

        static func snapshot() async throws {
            try await ShardKVLabCluster.with(unreliable: false, maxRaftState: 1000) { cfg in
                cfg.lab.begin("Test: snapshots, join, and leave")
                let ck = cfg.makeClerk()
                try await cfg.join(0)
                let keys = Self.keys(30)
                var values = try await Self.putKeys(cfg, ck, 30, length: 20)
                try await cfg.checkAll(ck, keys, values)
                try await cfg.join(1)
                try await cfg.join(2)
                try await cfg.leave(0)
                values = try await cfg.checkAndAppend(ck, keys, values, length: 20)
                try await cfg.leave(1)
                try await cfg.join(0)
                values = try await cfg.checkAndAppend(ck, keys, values, length: 20)
                try await cfg.lab.sleep(for: .seconds(1))
                try await cfg.checkAll(ck, keys, values)
                try await cfg.lab.sleep(for: .seconds(1))
                try await cfg.lab.checkLogs()
                for gi in 0..<3 { await cfg.shutdownGroup(gi) }
                for gi in 0..<3 { try await cfg.startGroup(gi) }
                try await cfg.checkAll(ck, keys, values)
                try cfg.lab.end()
            }
        }

        static func missChange() async throws {
            try await ShardKVLabCluster.with(unreliable: false, maxRaftState: 1000) { cfg in
                cfg.lab.begin("Test: servers miss configuration changes")
                let ck = cfg.makeClerk()
                try await cfg.join(0)
                let keys = Self.keys()
                var values = try await Self.putKeys(cfg, ck, length: 20)
                try await cfg.checkAll(ck, keys, values)
                try await cfg.join(1)
                for gi in 0..<3 { await cfg.shutdownServer(gi, 0) }
                try await cfg.join(2)
                try await cfg.leave(1)
                try await cfg.leave(0)
                values = try await cfg.checkAndAppend(ck, keys, values, length: 20)
                try await cfg.join(1)
                values = try await cfg.checkAndAppend(ck, keys, values, length: 20)
                for gi in 0..<3 { try await cfg.startServer(gi, 0) }
                values = try await cfg.checkAndAppend(ck, keys, values, length: 20)
                try await cfg.lab.sleep(for: .seconds(2))
                for gi in 0..<3 { await cfg.shutdownServer(gi, 1) }
                try await cfg.join(0)
                try await cfg.leave(2)
                values = try await cfg.checkAndAppend(ck, keys, values, length: 20)
                for gi in 0..<3 { try await cfg.startServer(gi, 1) }
                try await cfg.checkAll(ck, keys, values)
                try cfg.lab.end()
            }
        }

        /// 10 clerks, each appending random strings of `length` to its own key until stopped,
        /// pausing `pause` between appends; each task returns its key's expected value.
        static func startAppenders(
            _ cfg: ShardKVLabCluster, _ keys: [String], _ values: [String], length: Int, pause: Duration?,
            done: StopFlag
        ) -> [Task<String, any Error>] {
            zip(keys, values).map { key, initial in
                cfg.lab.spawn { () async throws -> String in
                    let ck = cfg.makeClerk()
                    var expected = initial
                    while !done.isRaised {
                        let x = cfg.lab.randomString(length)
                        try await cfg.append(ck, key, x)
                        expected += x
                        if let pause { try await cfg.lab.sleep(for: pause) }
                    }
                    return expected
                }
            }
        }

        /// Waits for the appenders and checks every key against what its appender expects.
        static func finishAppenders(
            _ cfg: ShardKVLabCluster, _ ck: ShardKVClerk, _ keys: [String], _ tasks: [Task<String, any Error>]
        ) async throws {
            for (key, task) in zip(keys, tasks) {
                let expected = try await task.value
                try await cfg.check(ck, key, expected)
            }
        }

        static func concurrent1() async throws {
            try await ShardKVLabCluster.with(unreliable: false, maxRaftState: 100) { cfg in
                cfg.lab.begin("Test: concurrent puts and configuration changes")
                let ck = cfg.makeClerk()
                try await cfg.join(0)
                let keys = Self.keys()
                let values = try await Self.putKeys(cfg, ck, length: 5)
                let done = StopFlag()
                let tasks = Self.startAppenders(cfg, keys, values, length: 5, pause: .milliseconds(10), done: done)
                try await cfg.lab.sleep(for: .milliseconds(150))
                try await cfg.join(1)
                try await cfg.lab.sleep(for: .milliseconds(500))
                try await cfg.join(2)
                try await cfg.lab.sleep(for: .milliseconds(500))
                try await cfg.leave(0)
                await cfg.shutdownGroup(0)
                try await cfg.lab.sleep(for: .milliseconds(100))
                await cfg.shutdownGroup(1)
                try await cfg.lab.sleep(for: .milliseconds(100))
                await cfg.shutdownGroup(2)
                try await cfg.leave(2)
                try await cfg.lab.sleep(for: .milliseconds(100))
                for gi in 0..<3 { try await cfg.startGroup(gi) }
                try await cfg.lab.sleep(for: .milliseconds(100))
                try await cfg.join(0)
                try await cfg.leave(1)
                try await cfg.lab.sleep(for: .milliseconds(500))
                try await cfg.join(1)
                try await cfg.lab.sleep(for: .seconds(1))
                done.raise()
                try await Self.finishAppenders(cfg, ck, keys, tasks)
                try cfg.lab.end()
            }
        }

        /// This tests the various sources from which a re-starting group might fetch shard
        /// contents.
        static func concurrent2() async throws {
            try await ShardKVLabCluster.with(unreliable: false, maxRaftState: -1) { cfg in
                cfg.lab.begin("Test: more concurrent puts and configuration changes")
                let ck = cfg.makeClerk()
                try await cfg.join(1)
                try await cfg.join(0)
                try await cfg.join(2)
                let keys = Self.keys()
                let values = try await Self.putKeys(cfg, ck, length: 1)
                let done = StopFlag()
                let tasks = Self.startAppenders(cfg, keys, values, length: 1, pause: .milliseconds(50), done: done)
                try await cfg.leave(0)
                try await cfg.leave(2)
                try await cfg.lab.sleep(for: .seconds(3))
                try await cfg.join(0)
                try await cfg.join(2)
                try await cfg.leave(1)
                try await cfg.lab.sleep(for: .seconds(3))
                try await cfg.join(1)
                try await cfg.leave(0)
                try await cfg.leave(2)
                try await cfg.lab.sleep(for: .seconds(3))
                await cfg.shutdownGroup(1)
                await cfg.shutdownGroup(2)
                try await cfg.lab.sleep(for: .seconds(1))
                try await cfg.startGroup(1)
                try await cfg.startGroup(2)
                try await cfg.lab.sleep(for: .seconds(2))
                done.raise()
                try await Self.finishAppenders(cfg, ck, keys, tasks)
                try cfg.lab.end()
            }
        }

        static func concurrent3() async throws {
            try await ShardKVLabCluster.with(unreliable: false, maxRaftState: 300) { cfg in
                cfg.lab.begin("Test: concurrent configuration change and restart")
                let ck = cfg.makeClerk()
                try await cfg.join(0)
                let keys = Self.keys()
                let values = try await Self.putKeys(cfg, ck, length: 1)
                let done = StopFlag()
                let tasks = Self.startAppenders(cfg, keys, values, length: 1, pause: nil, done: done)
                let start = cfg.lab.now()
                while cfg.lab.now() - start < .seconds(12) {
                    try await cfg.join(2)
                    try await cfg.join(1)
                    try await cfg.lab.sleep(for: .milliseconds(cfg.lab.randomInt(900)))
                    for gi in 0..<3 { await cfg.shutdownGroup(gi) }
                    for gi in 0..<3 { try await cfg.startGroup(gi) }
                    try await cfg.lab.sleep(for: .milliseconds(cfg.lab.randomInt(900)))
                    try await cfg.leave(1)
                    try await cfg.leave(2)
                    try await cfg.lab.sleep(for: .milliseconds(cfg.lab.randomInt(900)))
                }
                try await cfg.lab.sleep(for: .seconds(2))
                done.raise()
                try await Self.finishAppenders(cfg, ck, keys, tasks)
                try cfg.lab.end()
            }
        }

        static func unreliable1() async throws {
            try await ShardKVLabCluster.with(unreliable: true, maxRaftState: 100) { cfg in
                cfg.lab.begin("Test: unreliable 1")
                let ck = cfg.makeClerk()
                try await cfg.join(0)
                let keys = Self.keys()
                var values = try await Self.putKeys(cfg, ck, length: 5)
                try await cfg.join(1)
                try await cfg.join(2)
                try await cfg.leave(0)
                for _ in 0..<20 { values = try await cfg.checkAndAppend(ck, keys, values, length: 5) }
                try await cfg.join(0)
                try await cfg.leave(1)
                for _ in 0..<20 { try await cfg.checkAll(ck, keys, values) }
                try cfg.lab.end()
            }
        }

        /// The configuration schedule of Unreliable2 and Unreliable3.
        static func unreliableSchedule(_ cfg: ShardKVLabCluster) async throws {
            try await cfg.lab.sleep(for: .milliseconds(150))
            try await cfg.join(1)
            try await cfg.lab.sleep(for: .milliseconds(500))
            try await cfg.join(2)
            try await cfg.lab.sleep(for: .milliseconds(500))
            try await cfg.leave(0)
            try await cfg.lab.sleep(for: .milliseconds(500))
            try await cfg.leave(1)
            try await cfg.lab.sleep(for: .milliseconds(500))
            try await cfg.join(1)
            try await cfg.join(0)
            try await cfg.lab.sleep(for: .seconds(2))
        }

        static func unreliable2() async throws {
            try await ShardKVLabCluster.with(unreliable: true, maxRaftState: 100) { cfg in
                cfg.lab.begin("Test: unreliable 2")
                let ck = cfg.makeClerk()
                try await cfg.join(0)
                let keys = Self.keys()
                let values = try await Self.putKeys(cfg, ck, length: 5)
                let done = StopFlag()
                let tasks = Self.startAppenders(cfg, keys, values, length: 5, pause: nil, done: done)
                try await Self.unreliableSchedule(cfg)
                done.raise()
                cfg.lab.setReliable(true)
                try await Self.finishAppenders(cfg, ck, keys, tasks)
                try cfg.lab.end()
            }
        }

        static func unreliable3() async throws {
            try await ShardKVLabCluster.with(unreliable: true, maxRaftState: 100) { cfg in
                cfg.lab.begin("Test: unreliable 3")
                let ck = cfg.makeClerk()
                try await cfg.join(0)
                let history = OperationHistory()
                let keys = Self.keys()
                for key in keys {
                    try await cfg.put(ck, key, cfg.lab.randomString(5), history: history, client: 0)
                }
                let done = StopFlag()
                let tasks = (0..<Self.keyCount).map { client in
                    cfg.lab.spawn {
                        let ck1 = cfg.makeClerk()
                        while !done.isRaised {
                            let key = keys[cfg.lab.randomInt(keys.count)]
                            let value = cfg.lab.randomString(5)
                            let dice = cfg.lab.randomInt(1000)
                            if dice < 500 {
                                try await cfg.append(ck1, key, value, history: history, client: client)
                            } else if dice < 550 {
                                try await cfg.put(ck1, key, value, history: history, client: client)
                            } else {
                                _ = try await cfg.get(ck1, key, history: history, client: client)
                            }
                        }
                    }
                }
                try await Self.unreliableSchedule(cfg)
                done.raise()
                cfg.lab.setReliable(true)
                for task in tasks { try await task.value }
                try history.checkLinearizable()
                try cfg.lab.end()
            }
        }

        /// Optional test 1: are shards really deleted from their previous owner after a
        /// migration (Σ persisted bytes ≤ 117,000)?
        static func challenge1Delete() async throws {
            try await ShardKVLabCluster.with(unreliable: false, maxRaftState: 1) { cfg in
                cfg.lab.begin("Test: shard deletion (challenge 1)")
                // 30,000 bytes of total values.
                let n = 30
                let ck = cfg.makeClerk()
                try await cfg.join(0)
                let keys = Self.keys(n)
                let values = try await Self.putKeys(cfg, ck, n, length: 1000)
                let firstThree = Array(keys.prefix(3))
                let firstValues = Array(values.prefix(3))
                try await cfg.checkAll(ck, firstThree, firstValues)
                for _ in 0..<2 {
                    try await cfg.join(1)
                    try await cfg.leave(0)
                    try await cfg.join(2)
                    try await cfg.lab.sleep(for: .seconds(3))
                    try await cfg.checkAll(ck, firstThree, firstValues)
                    try await cfg.leave(1)
                    try await cfg.join(0)
                    try await cfg.leave(2)
                    try await cfg.lab.sleep(for: .seconds(3))
                    try await cfg.checkAll(ck, firstThree, firstValues)
                }
                try await cfg.join(1)
                try await cfg.join(2)
                for _ in 0..<3 {
                    try await cfg.lab.sleep(for: .seconds(1))
                    try await cfg.checkAll(ck, firstThree, firstValues)
                }
                var total = 0
                for group in cfg.groups { total += await group.persistedBytes() }
                // 27 keys should be stored once, 3 keys should also be stored in client dup
                // tables; everything on 3 replicas; plus slop.
                let expected = 3 * (((n - 3) * 1000) + 2 * 3 * 1000 + 6000)
                print("  persisted bytes: \(total) (limit \(expected))")
                guard total <= expected else {
                    throw LabFailure("snapshot + persisted Raft state are too big: \(total) > \(expected)")
                }
                try await cfg.checkAll(ck, keys, values)
                try cfg.lab.end()
            }
        }

        /// Optional test 2: can the new owner serve the shards it owned in both configurations
        /// while a shard it cannot get is still migrating?
        static func challenge2Unaffected() async throws {
            try await ShardKVLabCluster.with(unreliable: true, maxRaftState: 100) { cfg in
                cfg.lab.begin("Test: unaffected shard access (challenge 2)")
                let ck = cfg.makeClerk()
                // JOIN 100
                try await cfg.join(0)
                // Do a bunch of puts to keys in all shards.
                let keys = Self.keys()
                var values = Array(repeating: "100", count: keys.count)
                for key in keys { try await cfg.put(ck, key, "100") }
                // JOIN 101
                try await cfg.join(1)
                // QUERY to find shards now owned by 101
                let config = try await cfg.mck.query()
                let owned = (0..<ShardConfig.shardCount).map { config.shards[$0] == ShardKVLabCluster.gids[1] }
                // Wait for migration to new config to complete, and for clients to be able to
                // find the keys that moved. (The lab's quirk: index i is used as a shard number.)
                try await cfg.lab.sleep(for: .seconds(1))
                for i in 0..<keys.count where owned[i] {
                    try await cfg.put(ck, keys[i], "101")
                    values[i] = "101"
                }
                // KILL 100
                await cfg.shutdownGroup(0)
                // LEAVE 100: 101 doesn't get a chance to migrate things previously owned by 100.
                try await cfg.leave(0)
                // Wait to make sure clients see the new config.
                try await cfg.lab.sleep(for: .seconds(1))
                // And finally: check that gets/puts for 101-owned keys still complete.
                for (i, key) in keys.enumerated() where owned[key2shard(Array(key.utf8))] {
                    try await cfg.check(ck, key, values[i])
                    try await cfg.put(ck, key, values[i] + "-1")
                    try await cfg.check(ck, key, values[i] + "-1")
                }
                try cfg.lab.end()
            }
        }

        /// Optional test 2: can a group serve the shards that have already arrived before the
        /// whole reconfiguration completes?
        static func challenge2Partial() async throws {
            try await ShardKVLabCluster.with(unreliable: true, maxRaftState: 100) { cfg in
                cfg.lab.begin("Test: partial migration shard access (challenge 2)")
                let ck = cfg.makeClerk()
                // JOIN 100 + 101 + 102
                try await cfg.joinm([0, 1, 2])
                // Give the implementation some time to reconfigure.
                try await cfg.lab.sleep(for: .seconds(1))
                // Do a bunch of puts to keys in all shards.
                let keys = Self.keys()
                let values = Array(repeating: "100", count: keys.count)
                for key in keys { try await cfg.put(ck, key, "100") }
                // QUERY to find shards owned by 102
                let config = try await cfg.mck.query()
                let owned = (0..<ShardConfig.shardCount).map { config.shards[$0] == ShardKVLabCluster.gids[2] }
                // KILL 100
                await cfg.shutdownGroup(0)
                // LEAVE 100 + 102: 101 can get old shards from 102, but not from 100; it
                // should start serving the shards from 102 as soon as possible.
                try await cfg.leavem([0, 2])
                // Wait to make sure clients see the new config.
                try await cfg.lab.sleep(for: .seconds(1))
                // And finally: check that gets/puts for 102-owned keys still complete.
                for (i, key) in keys.enumerated() where owned[key2shard(Array(key.utf8))] {
                    try await cfg.check(ck, key, values[i])
                    try await cfg.put(ck, key, values[i] + "-2")
                    try await cfg.check(ck, key, values[i] + "-2")
                }
                try cfg.lab.end()
            }
        }
    }
}
