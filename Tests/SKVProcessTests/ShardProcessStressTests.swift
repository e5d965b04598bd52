import Foundation
import RPCCore
import RPCHTTP2NIO
import ShardController
import ShardKV
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The sharded service under reconfiguration and kill -9, as processes: three `skv ctrler
/// serve` daemons and three groups of three `skv shard serve` daemons on loopback. `skv shard
/// bench` runs concurrent clerks over keys in every shard (recording the history) while a
/// nemesis joins and leaves groups, moves shards by hand, and SIGKILLs daemons (shard servers
/// and controllers; each restarted from its data directory a second later). Afterwards the
/// bench's history is linearizable (every acknowledged write is there once, in order), and
/// every replica holds only the shards the final configuration gives its group: moved shards
/// are gone from their old owners.
///
/// The nemesis's choices come from one seed, printed at the start; `SHARD_STRESS_SEED=<seed>`
/// replays them (timing is real, so interleavings differ). On a failure the daemons' logs stay
/// in the printed directory.
extension KVProcessTests {
    @Suite("ShardProcessStressTests")
    struct ShardProcessStressTests {
        /// The bench's length; the nemesis acts during the first ``nemesisSteps`` × ``stepGap``.
        static let benchSeconds = 20
        static let nemesisSteps = 10
        static let stepGap: Duration = .milliseconds(1500)
        /// How long a killed daemon stays down.
        static let downtime: Duration = .seconds(1)
        /// How long the groups may take to hand over and garbage-collect moved shards at the end.
        static let settleLimit: Duration = .seconds(30)
        static let gids: [UInt64] = [100, 101, 102]

        static func seed() -> UInt64 {
            if let raw = getenv("SHARD_STRESS_SEED"), let seed = UInt64(String(cString: raw)) { return seed }
            return UInt64.random(in: 1...UInt64.max)
        }

        @Test(.timeLimit(.minutes(3)))
        func benchStaysLinearizableThroughJoinsLeavesMovesAndKills() async throws {
            let seed = Self.seed()
            let root = try makeTemporaryDirectory()
            print("ShardProcessStressTests: seed \(seed) (replay: SHARD_STRESS_SEED=\(seed)); logs in \(root)")
            var keepArtifacts = true
            let ctrlers = try SKVProcessCluster(root: root + "/ctrler", daemon: .ctrler)
            var groups: [UInt64: SKVProcessCluster] = [:]
            for gid in Self.gids {
                try FileManager.default.createDirectory(atPath: "\(root)/g\(gid)", withIntermediateDirectories: true)
                groups[gid] = try SKVProcessCluster(
                    root: "\(root)/g\(gid)", daemon: .shard(gid: gid, ctrlers: ctrlers.endpoints),
                    avoiding: ctrlers.ports + groups.values.flatMap(\.ports))
            }
            try FileManager.default.createDirectory(atPath: root + "/ctrler", withIntermediateDirectories: true)
            let clusters = [ctrlers] + Self.gids.map { groups[$0]! }
            defer {
                for cluster in clusters { cluster.killAll() }
                if keepArtifacts {
                    print("ShardProcessStressTests: kept \(root)")
                } else {
                    try? FileManager.default.removeItem(atPath: root)
                }
            }
            for cluster in clusters { try cluster.startAll() }
            let join = try await ctrlers.cli(["join", "100=\(groups[100]!.endpoints)"])
            try #require(join.status == 0, "\(join)")

            let benchArguments = [
                "shard", "bench", "--ctrlers", ctrlers.endpoints, "--duration", "\(Self.benchSeconds)",
                "--clients", "3",
            ]
            async let bench = SKVBinary.run(benchArguments, within: .seconds(Self.benchSeconds + 90))
            let actions = try await runNemesis(seed: seed, ctrlers: ctrlers, groups: groups)
            let result = try await bench
            print("ShardProcessStressTests: nemesis: \(actions.joined(separator: "; "))")
            print(result.stdout.split(separator: "\n").suffix(3).joined(separator: "\n"))
            #expect(result.status == 0, "bench exit \(result.status): \(result.stderr)")
            #expect(result.stdout.contains("linearizable: yes"), "\(result.stdout.suffix(2000))")
            var passed = result.status == 0 && result.stdout.contains("linearizable: yes")

            // Every replica ends up holding exactly the shards the final configuration gives its
            // group, all serving (moved shards pulled in and garbage-collected at the old owner).
            let final = try await latestConfig(ctrlers)
            let mismatches = await settle(final, groups: groups)
            #expect(mismatches.isEmpty, "after \(Self.settleLimit): \(mismatches.joined(separator: "; "))")
            passed = passed && mismatches.isEmpty

            for cluster in clusters {
                for i in 0..<3 {
                    let status = try await cluster.stop(i)
                    #expect(status == 0, "\(cluster.root) node \(i + 1) exit status")
                    passed = passed && status == 0
                }
            }
            keepArtifacts = !passed
        }

        /// Joins 101 and 102 (steps 0 and 1), makes a random group leave (step 5) and join again
        /// (step 8); every other step moves a random shard to a random group (40 %) or kills a
        /// random daemon with SIGKILL and restarts it after ``downtime``. Returns what it did.
        private func runNemesis(seed: UInt64, ctrlers: SKVProcessCluster, groups: [UInt64: SKVProcessCluster])
            async throws -> [String]
        {
            var random = SplitMix64(seed: seed)
            var joined: [UInt64] = [100]
            var left: [UInt64] = []
            var actions: [String] = []
            for step in 0..<Self.nemesisSteps {
                try await Task.sleep(for: Self.stepGap)
                let roll = Int.random(in: 0..<100, using: &random)
                var arguments: [String]?
                if step < 2 {
                    let gid = Self.gids[step + 1]
                    arguments = ["join", "\(gid)=\(groups[gid]!.endpoints)"]
                    joined.append(gid)
                } else if step == 5 {
                    let gid = joined.randomElement(using: &random)!
                    arguments = ["leave", "\(gid)"]
                    joined.removeAll { $0 == gid }
                    left.append(gid)
                } else if step == 8, let gid = left.popLast() {
                    arguments = ["join", "\(gid)=\(groups[gid]!.endpoints)"]
                    joined.append(gid)
                } else if roll < 40 {
                    let shard = Int.random(in: 0..<ShardConfig.shardCount, using: &random)
                    arguments = ["move", "\(shard)", "\(joined.randomElement(using: &random)!)"]
                } else {
                    let victims =
                        [(name: "ctrler", cluster: ctrlers)] + Self.gids.map { (name: "g\($0)", cluster: groups[$0]!) }
                    let victim = victims[Int.random(in: 0..<victims.count, using: &random)]
                    let node = Int.random(in: 0..<3, using: &random)
                    try await victim.cluster.stop(node, signal: SIGKILL)
                    try await Task.sleep(for: Self.downtime)
                    try victim.cluster.start(node)
                    actions.append("kill -9 \(victim.name) node \(node + 1)")
                }
                if let arguments {
                    let change = try await ctrlers.cli(arguments)
                    #expect(change.status == 0, "\(arguments): \(change)")
                    // `join 101`, `leave 100`, `move 3 102` (a join's servers left out).
                    let words = arguments.map { $0.split(separator: "=").first.map(String.init) ?? $0 }
                    actions.append(words.joined(separator: " ") + (change.status == 0 ? "" : " (failed)"))
                }
            }
            return actions
        }

        private func latestConfig(_ ctrlers: SKVProcessCluster) async throws -> ShardConfig {
            let transports = ctrlers.ports.map { HTTP2ClientTransport(host: "127.0.0.1", port: $0) }
            defer { Task { for transport in transports { await transport.close() } } }
            var configuration = ShardCtrlerClerk.Configuration()
            configuration.operationTimeout = .seconds(20)
            let clerk = ShardCtrlerClerk(
                clients: transports.map { ShardCtrlerClient(wrapping: RPCClient(transport: $0)) },
                configuration: configuration)
            return try await clerk.query()
        }

        /// Polls every replica's Status until each holds exactly its group's shards of `config`,
        /// all serving, at `config`'s number (or until ``settleLimit``); returns what still
        /// differs.
        private func settle(_ config: ShardConfig, groups: [UInt64: SKVProcessCluster]) async -> [String] {
            let deadline = ContinuousClock.now + Self.settleLimit
            var mismatches: [String] = []
            repeat {
                mismatches = []
                for gid in Self.gids {
                    let expected = (0..<ShardConfig.shardCount).filter { config.shards[$0] == gid }
                    for port in groups[gid]!.ports {
                        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port)
                        let reply = try? await ShardKVClient(wrapping: RPCClient(transport: transport))
                            .status(options: CallOptions(timeout: .seconds(1)))
                        await transport.close()
                        guard let reply else {
                            mismatches.append("gid \(gid) port \(port): no status")
                            continue
                        }
                        let held = reply.shards.map(\.shard)
                        let serving = reply.shards.allSatisfy { $0.status == .serving }
                        if reply.configNum != config.num || held != expected || !serving {
                            mismatches.append(
                                "gid \(gid) port \(port): config \(reply.configNum)/\(config.num), holds "
                                    + reply.shards.map { "\($0.shard):\($0.status)" }.joined(separator: ",")
                                    + ", should serve \(expected)")
                        }
                    }
                }
                if mismatches.isEmpty { return [] }
                try? await Task.sleep(for: .milliseconds(500))
            } while ContinuousClock.now < deadline
            return mismatches
        }
    }
}
