import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The sharded service as processes: three `skv ctrler serve` daemons and two groups of three
/// `skv shard serve` daemons on loopback, driven by the CLI. Data written through `skv shard`
/// stays readable while a second group joins (its shards move), while a group's leader is
/// killed with SIGKILL and restarted, after the first group leaves (every shard moves), and
/// after a full graceful restart; a short `skv shard bench` is linearizable; a data directory
/// of one group is refused by another.
extension KVProcessTests {
    @Suite("ShardProcessTests")
    struct ShardProcessTests {
        static let keys = 10

        @Test(.timeLimit(.minutes(3)))
        func writesSurviveJoinLeaveLeaderKillAndRestart() async throws {
            let root = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: root) }
            for name in ["ctrler", "g100", "g101"] {
                try FileManager.default.createDirectory(atPath: "\(root)/\(name)", withIntermediateDirectories: true)
            }
            let ctrlers = try SKVProcessCluster(root: root + "/ctrler", daemon: .ctrler)
            var groups: [SKVProcessCluster] = []
            for gid: UInt64 in [100, 101] {
                groups.append(
                    try SKVProcessCluster(
                        root: root + "/g\(gid)", daemon: .shard(gid: gid, ctrlers: ctrlers.endpoints),
                        avoiding: ctrlers.ports + groups.flatMap { $0.ports + $0.metricsPorts }, metrics: gid == 101))
            }
            let clusters = [ctrlers] + groups
            defer { for cluster in clusters { cluster.killAll() } }
            for cluster in clusters { try cluster.startAll() }
            let shard = groups[0]

            let join100 = try await ctrlers.cli(["join", "100=\(groups[0].endpoints)"])
            try #require(join100.status == 0, "\(join100)")
            var expected: [String: String] = [:]
            for k in 0..<Self.keys {
                let put = try await shard.cli(["put", "k\(k)", "v\(k)"])
                try #require(put.status == 0, "put k\(k): \(put)")
                expected["k\(k)"] = "v\(k)"
            }

            // The member commands of the controller group and of group 100 (its replicas from the
            // controller's latest configuration).
            let ctrlerMembers = try await ctrlers.cli(["member", "list"])
            #expect(ctrlerMembers.status == 0 && ctrlerMembers.stdout.contains("3 voters, 0 learners"), "\(ctrlerMembers)")
            let groupMembers = try await shard.cli(["member", "list", "--group", "100"])
            #expect(groupMembers.status == 0 && groupMembers.stdout.contains("3 voters, 0 learners"), "\(groupMembers)")
            let unknownGroup = try await shard.cli(["member", "list", "--group", "7"], timeout: 5)
            #expect(unknownGroup.status == 3 && unknownGroup.stderr.contains("group 7 is not in"), "\(unknownGroup)")
            // A member change of group 100 is recorded in the controllers' configuration (the
            // servers clients and other groups reach it through), without moving shards; the
            // learner (never started) is removed again.
            let learner = "127.0.0.1:\(try freeLoopbackPort())"
            let addLearner = try await shard.cli(["member", "add-learner", "4", learner, "--group", "100"])
            #expect(addLearner.status == 0, "\(addLearner)")
            let withLearner = try await ctrlers.cli(["query"])
            #expect(
                withLearner.stdout.contains(learner) && withLearner.stdout.hasPrefix("configuration 2"), "\(withLearner)")
            let removeLearner = try await shard.cli(["member", "remove", "4", "--group", "100"])
            #expect(removeLearner.status == 0, "\(removeLearner)")
            let withoutLearner = try await ctrlers.cli(["query"])
            #expect(!withoutLearner.stdout.contains(learner) && withoutLearner.stdout.hasPrefix("configuration 3"),
                    "\(withoutLearner)")

            // A second group joins: half the shards (and their keys) move to it.
            let join101 = try await ctrlers.cli(["join", "101=\(groups[1].endpoints)"])
            try #require(join101.status == 0, "\(join101)")
            try await appendToEveryKey("+a", &expected, shard)
            try await expectValues(expected, shard)
            let status = try await shard.cli(["status"])
            // Configurations 2 and 3 recorded the learner's coming and going; the join made 4.
            #expect(status.status == 0 && status.stdout.hasPrefix("configuration 4\n"), "\(status)")
            #expect(status.stdout.contains("gid=101 ") && status.stdout.contains(":serving("), "\(status.stdout)")
            try await expectMigrationMetrics(groups[1], ctrlers)

            // A short bench over both groups (its own keys, in every shard): linearizable.
            let bench = try await shard.cli(["bench", "--duration", "2", "--clients", "2"], timeout: 30)
            #expect(bench.status == 0 && bench.stdout.contains("linearizable: yes"), "\(bench)")
            #expect(bench.stdout.contains("config=4 leaders=[100:"), "\(bench.stdout)")

            // Kill -9 group 101's leader; writes go on; restart it.
            let leader = try #require(try await leader(of: 101, in: groups[1], shard), "no leader in group 101")
            try await groups[1].stop(leader, signal: SIGKILL)
            try await appendToEveryKey("+b", &expected, shard)
            try groups[1].start(leader)
            try await expectValues(expected, shard)

            // The first group leaves: every shard moves to group 101. Then the last group may
            // not leave without --force.
            let leave = try await ctrlers.cli(["leave", "100"])
            try #require(leave.status == 0, "\(leave)")
            try await appendToEveryKey("+c", &expected, shard)
            try await expectValues(expected, shard)
            let refused = try await ctrlers.cli(["leave", "101"])
            #expect(refused.status == 1 && refused.stderr.contains("--force"), "\(refused)")

            // A graceful full restart keeps everything.
            for cluster in clusters {
                for i in 0..<3 { #expect(try await cluster.stop(i) == 0, "\(cluster.root) node \(i + 1) exit status") }
            }
            try ctrlers.startAll()
            try groups[1].startAll()
            try await expectValues(expected, shard)

            // Group 100's data directory is refused by group 101's daemon.
            var arguments = groups[1].serveArguments(0)
            arguments[arguments.firstIndex(of: groups[1].dataDirectory(0))!] = groups[0].dataDirectory(0)
            arguments[arguments.firstIndex(of: "--listen")! + 1] = "127.0.0.1:\(try freeLoopbackPort())"
            let foreign = try await SKVBinary.run(arguments)
            #expect(foreign.status == 1 && foreign.stderr.contains("gid=100"), "\(foreign)")
            for cluster in [ctrlers, groups[1]] { for i in 0..<3 { try await cluster.stop(i) } }
        }

        private func appendToEveryKey(_ suffix: String, _ expected: inout [String: String], _ shard: SKVProcessCluster)
            async throws
        {
            for key in expected.keys.sorted() {
                let append = try await shard.cli(["append", key, suffix])
                try #require(append.status == 0, "append \(key): \(append)")
                expected[key, default: ""] += suffix
            }
        }

        private func expectValues(_ expected: [String: String], _ shard: SKVProcessCluster) async throws {
            for (key, value) in expected.sorted(by: { $0.key < $1.key }) {
                let get = try await shard.cli(["get", key])
                #expect(get.status == 0 && get.stdout == value + "\n", "\(key): \(get)")
            }
        }

        /// Group 101 (serving `--metrics-listen`) after it joined and pulled its shards: its
        /// members applied configuration 4 (the join), hold only serving (or deletion-pending) shards, and
        /// its leaders pulled at least one shard, with bytes if the keys' shard moved.
        private func expectMigrationMetrics(_ group: SKVProcessCluster, _ ctrlers: SKVProcessCluster) async throws {
            let scrapes = try group.metricsPorts.map { PrometheusText(try httpGet(port: $0, path: "/metrics").body) }
            let query = try await ctrlers.cli(["query"]).stdout
            let owned = query.split(separator: "\n").first { $0.hasPrefix("shards: ") }?
                .split(separator: " ").filter { $0.hasSuffix("=101") }.count
            for scrape in scrapes where scrape["skv_raft_is_leader"] == 1 {
                #expect(scrape["skv_shardkv_config_number"] == 4)
                #expect(scrape.sum("skv_shardkv_shards") == Double(owned ?? -1), "\(scrape.samples)")
                #expect(scrape[#"skv_shardkv_shards{state="pulling"}"#] == 0)
            }
            let migrated = scrapes.map { $0["skv_shardkv_shards_migrated_total"] }.reduce(0, +)
            #expect(migrated >= 1, "no shard pulled according to the metrics")
            #expect(scrapes.map { $0["skv_shardkv_migration_duration_seconds_count"] }.reduce(0, +) >= 1)
            // Every test key starts with "k", so they share one shard; it moved if 101 owns it.
            let keysShard = Int(UInt8(ascii: "k")) % 10
            if query.contains(" \(keysShard)=101") {
                #expect(scrapes.map { $0["skv_shardkv_migration_bytes_total"] }.reduce(0, +) > 0)
            }
        }

        /// The 0-based index in `group` of the server `skv shard status` reports as group `gid`'s
        /// leader, polling up to 20 s.
        private func leader(of gid: UInt64, in group: SKVProcessCluster, _ shard: SKVProcessCluster) async throws
            -> Int?
        {
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                let status = try await shard.cli(["status"], timeout: 3)
                for line in status.stdout.split(separator: "\n") where line.hasPrefix("gid=\(gid) ") {
                    guard line.contains(" role=leader ") else { continue }
                    if let i = group.ports.firstIndex(where: { line.contains(" 127.0.0.1:\($0) ") }) { return i }
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            return nil
        }
    }
}
