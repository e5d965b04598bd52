import Foundation
import RPCCore
import RPCHTTP2NIO
import ShardController
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `skv ctrler serve` as three processes on loopback, operated through `skv ctrler
/// join|leave|move|query`: the configurations each command creates, the refusals (unknown
/// gid, a group joining twice, a shard out of range, a Leave of the last group without
/// `--force`), the leader killed with SIGKILL, a restarted node catching up, a full restart
/// from disk, and the start-up and option errors.
///
/// Nested in ``KVProcessTests`` so that it inherits `.serialized` and the binary check: the
/// process tests never run two clusters at once.
extension KVProcessTests {
    @Suite("CtrlerProcessTests")
    struct CtrlerProcessTests {
        typealias Result = (status: Int32, stdout: String, stderr: String)

        @Test(.timeLimit(.minutes(3)))
        func operateKillLeaderRestartAndRecoverFromDisk() async throws {
            let root = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: root) }
            let cluster = try SKVProcessCluster(root: root, daemon: .ctrler)
            defer { cluster.killAll() }
            try cluster.startAll()

            let initial = try await cluster.cli(["query"])
            try #require(initial.status == 0, "query: \(initial.stderr)")
            let unassigned = (0..<10).map { "\($0)=-" }.joined(separator: " ")
            #expect(initial.stdout == "configuration 0\nshards: \(unassigned)\n")

            let servers100 = "127.0.0.1:7101,127.0.0.1:7102", servers101 = "127.0.0.1:7111"
            let join = try await cluster.cli(["join", "101=\(servers101)", "100=\(servers100)"])
            #expect(join.status == 0 && join.stdout == "joined 100, 101: configuration 1\n", "\(join)")
            let first = try await query(cluster)
            #expect(first.num == 1)
            // `skv ctrler status`: the group's summary, the shard map, one line per member.
            let status = try await cluster.cli(["status"])
            #expect(status.status == 0 && status.stdout.hasPrefix("configuration 1\n"), "\(status)")
            #expect(status.stdout.contains("3 of 3 members reachable") && status.stdout.contains(" role=leader "))
            #expect(status.stdout.split(separator: "\n").filter { $0.contains(" id=") }.count == 3, "\(status)")
            #expect(first.groups == [100: ["127.0.0.1:7101", "127.0.0.1:7102"], 101: ["127.0.0.1:7111"]])
            #expect(first.shardCountsByGroup == [100: 5, 101: 5])
            let text = try await cluster.cli(["query"])
            #expect(text.stdout.contains("group 100 (5 shards): 127.0.0.1:7101,127.0.0.1:7102\n"), "\(text.stdout)")
            #expect(text.stdout.contains("group 101 (5 shards): 127.0.0.1:7111\n"), "\(text.stdout)")

            let shard = try #require(first.shards.firstIndex(of: 100))
            let move = try await cluster.cli(["move", "\(shard)", "101"])
            #expect(move.status == 0 && move.stdout == "moved shard \(shard) to 101: configuration 2\n", "\(move)")
            var expected = first.shards
            expected[shard] = 101
            #expect(try await query(cluster).shards == expected)
            #expect(try await query(cluster, num: 1) == first, "configuration 1 is kept as it was")

            try await expectRefusal(cluster.cli(["leave", "105"]), status: 1, "group 105 is not in the latest")
            try await expectRefusal(cluster.cli(["move", "0", "105"]), status: 1, "group 105 is not in the latest")
            try await expectRefusal(cluster.cli(["join", "100=127.0.0.1:1"]), status: 1, "group 100 has already joined")
            try await expectRefusal(cluster.cli(["move", "10", "100"]), status: 2, "shard 10 is out of range")
            try await expectRefusal(cluster.cli(["move", "-1", "100"]), status: 2, "argument")

            let leave = try await cluster.cli(["leave", "100"])
            #expect(leave.status == 0 && leave.stdout == "left 100: configuration 3\n", "\(leave)")
            try await expectRefusal(cluster.cli(["leave", "101"]), status: 1, "pass --force")
            let afterRefusal = try await query(cluster)
            #expect(afterRefusal.num == 3 && afterRefusal.shards == Array(repeating: 101, count: 10))

            // Kill -9 the leader: the other two keep serving.
            let leader = try #require(await cluster.ctrlerLeader(), "no controller leader")
            try await cluster.stop(leader, signal: SIGKILL)
            let join102 = try await cluster.cli(["join", "102=127.0.0.1:7121"])
            #expect(join102.status == 0 && join102.stdout == "joined 102: configuration 4\n", "\(join102)")
            let withThree = try await query(cluster)
            #expect(withThree.num == 4 && withThree.shardCountsByGroup == [101: 5, 102: 5])

            // Restart it, then kill another node: a majority now needs the restarted one, which
            // must have recovered its log from disk and caught up.
            try cluster.start(leader)
            try await Task.sleep(for: .seconds(1))
            let other = (leader + 1) % 3
            try await cluster.stop(other, signal: SIGKILL)
            #expect(try await query(cluster) == withThree)
            let move5 = try await cluster.cli(["move", "\(shard)", "102"])
            #expect(move5.status == 0 && move5.stdout.hasSuffix("configuration 5\n"), "\(move5)")
            try cluster.start(other)
            let latest = try await query(cluster)
            #expect(latest.num == 5)
            // Let the restarted node install its SIGTERM handler before the graceful stop below
            // (a SIGTERM in its first ~100 ms killed it by the signal: exit status 15).
            try await Task.sleep(for: .seconds(1))

            // A graceful full restart: every configuration comes back (some from a snapshot).
            for i in 0..<3 { #expect(try await cluster.stop(i) == 0, "node \(i + 1) exit status") }
            try cluster.startAll()
            #expect(try await query(cluster) == latest)
            #expect(try await query(cluster, num: 1) == first)
            let restored = (0..<3).filter { cluster.logTail($0, lines: 1000).contains("restored snapshot") }
            #expect(!restored.isEmpty, "no node restarted from a snapshot (--max-raft-state 256)")
            let forced = try await cluster.cli(["leave", "101", "102", "--force"])
            #expect(forced.status == 0 && forced.stdout == "left 101, 102: configuration 6\n", "\(forced)")
            #expect(try await query(cluster).shards == Array(repeating: ShardConfig.noGroup, count: 10))
            for i in 0..<3 { try await cluster.stop(i) }
        }

        @Test(.timeLimit(.minutes(2)))
        func badOptionsUnreachableControllersTakenAddressesAndForeignDataDirectories() async throws {
            let root = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: root) }
            let cluster = try SKVProcessCluster(root: root, daemon: .ctrler)
            defer { cluster.killAll() }

            // Invalid options: exit 2, one line.
            let dir = ["--data-dir", root + "/x"]
            try await expectRefusal(
                SKVBinary.run(["ctrler", "serve", "--listen", "127.0.0.1:9"] + dir), status: 2, "--id")
            try await expectRefusal(
                SKVBinary.run(["ctrler", "serve", "--id", "4", "--listen", "127.0.0.1:9"] + cluster.peerOptions + dir),
                status: 2, "own id 4")
            try await expectRefusal(
                SKVBinary.run(["ctrler", "serve", "--id", "1", "--listen", "127.0.0.1:9", "--bogus"] + dir),
                status: 2, "--bogus")
            try await expectRefusal(
                SKVBinary.run(
                    ["ctrler", "serve", "--id", "1", "--listen", "127.0.0.1:9", "--snapshot-log-ratio", "1001"]
                        + cluster.peerOptions + dir),
                status: 2, "--snapshot-log-ratio must be in 0...1000")
            try await expectRefusal(cluster.cli(["join", "0=127.0.0.1:1"]), status: 2, "positive gid")
            try await expectRefusal(cluster.cli(["join", "1=nohost"]), status: 2, "invalid address")
            try await expectRefusal(cluster.cli(["join", "1=127.0.0.1:1", "1=127.0.0.1:2"]), status: 2, "listed twice")
            try await expectRefusal(cluster.cli(["leave", "0"]), status: 2, "gid 0")
            try await expectRefusal(cluster.cli(["move", "x", "1"]), status: 2, "'x' is invalid")
            try await expectRefusal(SKVBinary.run(["ctrler", "query"]), status: 2, "--ctrlers")
            try await expectRefusal(
                SKVBinary.run(["ctrler", "query", "--ctrlers", cluster.endpoints, "--timeout", "0"]), status: 2,
                "--timeout")

            // No controller answers: exit 3 within the timeout.
            let started = ContinuousClock.now
            try await expectRefusal(cluster.cli(["query"], timeout: 1), status: 3, "unavailable")
            #expect(ContinuousClock.now - started < .seconds(10))

            // An address another daemon listens on: exit 1, one line.
            try cluster.start(0)
            try await Task.sleep(for: .seconds(1))
            var taken = cluster.serveArguments(0)
            taken[taken.firstIndex(of: cluster.dataDirectory(0))!] = root + "/other"
            try await expectRefusal(SKVBinary.run(taken), status: 1, "cannot listen on 127.0.0.1:\(cluster.ports[0])")
            #expect(try await cluster.stop(0) == 0)

            // A KV replica's data directory (an old marker, without the service) is refused by
            // the controller and still accepted by `skv kv serve`.
            let kv = try SKVProcessCluster(root: root, daemon: .kv)
            defer { kv.killAll() }
            let kvDirectory = kv.dataDirectory(0)
            try FileManager.default.createDirectory(atPath: kvDirectory, withIntermediateDirectories: true)
            let peers = (0..<3).map { "\($0 + 1)=127.0.0.1:\(kv.ports[$0])" }.joined(separator: ",")
            let marker = "id=1\npeers=\(peers)\n"
            try Data(marker.utf8).write(to: URL(fileURLWithPath: kvDirectory + "/skv-node"))
            var asController = kv.serveArguments(0)
            asController[0] = SKVDaemon.ctrler.command
            try await expectRefusal(SKVBinary.run(asController), status: 1, "belongs to another service")
            try kv.start(0)
            try await Task.sleep(for: .seconds(1))
            #expect(kv.isRunning(0), "skv kv serve refused its old marker: \(kv.logTail(0))")
            #expect(try await kv.stop(0) == 0)
            #expect(try String(contentsOfFile: kvDirectory + "/skv-node", encoding: .utf8) == marker)
        }

        /// Configuration `num` (the latest by default) through `skv ctrler query --json`.
        private func query(_ cluster: SKVProcessCluster, num: Int64 = -1) async throws -> ShardConfig {
            let result = try await cluster.cli(["query", "--json"] + (num >= 0 ? ["\(num)"] : []))
            try #require(result.status == 0, "query: \(result.stderr)")
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
            let shards = try #require(object["shards"] as? [NSNumber]).map(\.uint64Value)
            let groups = try #require(object["groups"] as? [String: [String]])
            try #require(shards.count == ShardConfig.shardCount)
            return ShardConfig(
                num: try #require(object["num"] as? NSNumber).uint64Value, shards: shards,
                groups: Dictionary(uniqueKeysWithValues: groups.map { (UInt64($0.key)!, $0.value) }))
        }

        /// The command failed with `status` and one `skv: ...` line containing `text`.
        private func expectRefusal(
            _ result: Result, status: Int32, _ text: String, sourceLocation: SourceLocation = #_sourceLocation
        ) {
            #expect(result.status == status, "\(result)", sourceLocation: sourceLocation)
            #expect(
                result.stderr.hasPrefix("skv: ") && result.stderr.contains(text), "\(result)",
                sourceLocation: sourceLocation)
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result)", sourceLocation: sourceLocation)
            #expect(result.stdout.isEmpty, "\(result)", sourceLocation: sourceLocation)
        }
    }
}

extension SKVProcessCluster {
    /// The 0-based index of the controller that answers a Query itself (only the leader does),
    /// polling up to `limit`.
    func ctrlerLeader(within limit: Duration = .seconds(20)) async -> Int? {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            for (i, port) in ports.enumerated() where isRunning(i) {
                let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port)
                let reply = try? await ShardCtrlerClient(wrapping: RPCClient(transport: transport))
                    .query(QueryRequest(), options: CallOptions(timeout: .seconds(1)))
                await transport.close()
                if reply?.outcome == .ok { return i }
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return nil
    }
}
