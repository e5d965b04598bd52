import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The daemons' lifecycle as an operator meets it: a leader stopped with SIGTERM hands
/// leadership over before it exits (no election timeout for the clients), leadership and
/// term changes appear in the log with the node id, `--log-level` filters, and a TOML
/// `--config` file gives the flags, with one-line errors naming the file for bad ones.
@Suite(
    "DaemonLifecycleTests", .serialized,
    .enabled(if: SKVBinary.exists, "build the skv binary first: swift build --product skv"))
struct DaemonLifecycleTests {
    @Test(.timeLimit(.minutes(2)))
    func gracefulStopOfTheLeaderHandsLeadershipOver() async throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try SKVProcessCluster(root: root)
        defer { cluster.killAll() }
        try cluster.startAll()
        let put = try await cluster.cli(["put", "k", "v1"])
        try #require(put.status == 0, "put: \(put.stderr)")
        let leader = try #require(try await cluster.leader())
        // `skv status` is `skv kv status` for a KV group: the same summary and member lines.
        let summary = try await SKVBinary.run(["status", "--endpoints", cluster.endpoints, "--timeout", "5"])
        let kvStatus = try await cluster.cli(["status"], timeout: 5)
        #expect(summary.status == 0, "skv status: \(summary.stderr)")
        let lines = summary.stdout.split(separator: "\n")
        #expect(lines.count == kvStatus.stdout.split(separator: "\n").count && lines.count >= 4, "\(summary.stdout)")
        #expect(summary.stdout.contains("leader \(leader + 1)") || summary.stdout.contains("leader=\(leader + 1)"))

        #expect(try await cluster.stop(leader) == 0, "exit status of the stopped leader")
        let log = cluster.logTail(leader, lines: 40)
        #expect(log.contains("handed leadership over"), "no handoff in the leader's log:\n\(log)")
        #expect(log.contains("node=\(leader + 1)") && log.contains("leader changed"), "\(log)")
        // Another member leads (it was elected on the old leader's request, not by timeout),
        // and writes go on.
        let next = try #require(try await cluster.leader(within: .seconds(5)), "no leader after the handoff")
        #expect(next != leader)
        let after = try await cluster.cli(["put", "k", "v2"])
        #expect(after.status == 0, "put after the handoff: \(after.stderr)")
        for i in 0..<3 where i != leader { try await cluster.stop(i) }
    }

    @Test(.timeLimit(.minutes(2)))
    func configFileGivesTheFlagsAndTheCommandLineWins() async throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try SKVProcessCluster(root: root)
        defer { cluster.killAll() }
        // Node 1 from a file (with --log-level warning from the command line, replacing the
        // file's debug): the "serving" info line must not appear, and it serves with the others.
        let peers = (0..<3).map { "\"\($0 + 1)=127.0.0.1:\(cluster.ports[$0])\"" }.joined(separator: ", ")
        let config = """
            # node 1
            id = 1
            listen = "127.0.0.1:\(cluster.ports[0])"
            peer = [\(peers)]
            data-dir = "\(cluster.dataDirectory(0))"
            max-raft-state = 4096
            log-level = "debug"
            """
        let path = "\(root)/node1.toml"
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        let node1 = Process()
        node1.executableURL = URL(fileURLWithPath: SKVBinary.path)
        node1.arguments = ["kv", "serve", "--config", path, "--log-level", "warning"]
        let output = Pipe()
        node1.standardError = output
        node1.standardOutput = output
        try node1.run()
        defer { if node1.isRunning { kill(node1.processIdentifier, SIGKILL) } }
        try cluster.start(1)
        try cluster.start(2)
        let put = try await cluster.cli(["put", "k", "v"])
        try #require(put.status == 0, "put: \(put.stderr)")
        let status = try await cluster.cli(["status"], timeout: 5)
        #expect(status.stdout.contains("127.0.0.1:\(cluster.ports[0]) id=1 "), "\(status.stdout)")
        kill(node1.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(15)
        while node1.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!node1.isRunning && node1.terminationStatus == 0)
        let logged = output.readToEndAndClose()
        #expect(!logged.contains(" info ") && !logged.contains(" debug "), "below --log-level warning:\n\(logged)")
        for i in 1..<3 { try await cluster.stop(i) }
    }

    @Test(.timeLimit(.minutes(1)))
    func badConfigFilesAndLevelsAreOneLineErrors() async throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let base = [
            "kv", "serve", "--id", "1", "--listen", "127.0.0.1:1", "--peer", "1=127.0.0.1:1", "--data-dir", root,
        ]
        let cases: [(file: String?, extra: [String], expected: String)] = [
            ("id = \n", [], "line 1 column"),
            ("[raft]\nid = 1\n", [], "key raft: expected a string, an integer, a boolean or an array"),
            ("heartbeat-interval = 5\n", [], "key heartbeat-interval: "),
            ("election-timeout-ms = \"soon\"\n", [], "key election-timeout-ms: "),
            (nil, ["--config", "\(root)/missing.toml"], "does not exist"),
            (nil, ["--log-level", "loud"], "--log-level must be one of"),
        ]
        for (n, example) in cases.enumerated() {
            var arguments = base + example.extra
            if let file = example.file {
                let path = "\(root)/bad\(n).toml"
                try file.write(toFile: path, atomically: true, encoding: .utf8)
                arguments += ["--config", path]
            }
            let result = try await SKVBinary.run(arguments, within: .seconds(15))
            #expect(result.status == 2, "case \(n): status \(result.status): \(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1 && result.stderr.hasPrefix("skv: "), "case \(n): \(result.stderr)")
            #expect(result.stderr.contains(example.expected), "case \(n): \(result.stderr)")
        }
    }
}
