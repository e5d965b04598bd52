import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The `skv` binary as processes: three daemons on loopback, the CLI as client; a leader
/// killed with SIGKILL and restarted, a full-cluster restart from disk, and the start-up
/// refusals (corrupt data directory, wrong peer list). Needs `swift build --product skv`.
@Suite("KVProcessTests", .serialized, .enabled(if: SKVBinary.exists, "build the skv binary first: swift build --product skv"))
struct KVProcessTests {
    @Test(.timeLimit(.minutes(3)))
    func leaderKillRestartAndFullRestartKeepData() async throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try SKVProcessCluster(root: root)
        defer { cluster.killAll() }
        try cluster.startAll()

        var expected: [String: String] = [:]
        for k in 0..<10 {
            let put = try await cluster.cli(["put", "k\(k)", "v\(k)"])
            try #require(put.status == 0, "put k\(k): \(put.stderr)")
            expected["k\(k)"] = "v\(k)"
        }
        let append = try await cluster.cli(["append", "k0", "+x"])
        try #require(append.status == 0, "append: \(append.stderr)")
        expected["k0"] = "v0+x"
        let get = try await cluster.cli(["get", "k0"])
        #expect(get.status == 0 && get.stdout == "v0+x\n")
        let missing = try await cluster.cli(["get", "nope"], timeout: 5)
        #expect(missing.status == 1)

        // Kill -9 the leader: writes continue on the other two.
        let leader = try #require(try await cluster.leader())
        try await cluster.stop(leader, signal: SIGKILL)
        for k in 10..<20 {
            let put = try await cluster.cli(["put", "k\(k)", "v\(k)"])
            try #require(put.status == 0, "put k\(k) after killing node \(leader + 1): \(put.stderr)")
            expected["k\(k)"] = "v\(k)"
        }
        try cluster.start(leader)
        for k in 20..<25 {
            let put = try await cluster.cli(["put", "k\(k)", "v\(k)"])
            try #require(put.status == 0, "put k\(k) after restarting node \(leader + 1): \(put.stderr)")
            expected["k\(k)"] = "v\(k)"
        }

        // Enough traffic for snapshots (--max-raft-state 4096), so the restart restores from one.
        let bench = try await cluster.cli(["bench", "--duration", "2", "--clients", "2"], timeout: 20)
        #expect(bench.status == 0 && bench.stdout.contains("linearizable: yes"), "\(bench.stdout) \(bench.stderr)")
        for k in 0..<5 {
            let get = try await cluster.cli(["get", "key\(k)"])
            if get.status == 0 { expected["key\(k)"] = String(get.stdout.dropLast()) }
        }
        let status = try await cluster.cli(["status"], timeout: 5)
        #expect(!status.stdout.contains(" snapshot=0 "), "no snapshot taken: \(status.stdout)")

        // Full-cluster restart (graceful): everything is still there.
        for i in 0..<3 { #expect(try await cluster.stop(i) == 0, "node \(i + 1) exit status") }
        try cluster.startAll()
        for (key, value) in expected.sorted(by: { $0.key < $1.key }) {
            let get = try await cluster.cli(["get", key])
            #expect(get.status == 0 && get.stdout == value + "\n", "\(key): \(get.status) \(get.stdout) \(get.stderr)")
        }
        for i in 0..<3 { try await cluster.stop(i) }
    }

    /// `skv kv bench --layer client|rpc` (the KVClient, or prepared bytes, at the leader): runs
    /// complete operations; `client` checks its history, `rpc` records none and says so; the
    /// mixed workload is refused for both.
    @Test(.timeLimit(.minutes(2)))
    func benchLayersCallTheLeader() async throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try SKVProcessCluster(root: root)
        defer { cluster.killAll() }
        try cluster.startAll()
        let common = ["bench", "--duration", "1", "--clients", "2", "--keys", "1", "--value-bytes", "64"]
        // The first Gets find no key: NO_KEY is a Get's answer too.
        for (layer, workload, verdict) in [
            ("rpc", "get", "linearizable: not checked"),
            ("client", "put", "linearizable: yes"), ("client", "get", "linearizable: yes"),
            ("rpc", "put", "linearizable: not checked"), ("rpc", "get", "linearizable: not checked"),
        ] {
            let run = try await cluster.cli(common + ["--layer", layer, "--workload", workload], timeout: 30)
            let summary = run.stdout.split(separator: "\n").first { $0.hasPrefix("summary: ") } ?? ""
            #expect(run.status == 0 && summary.contains(verdict), "\(layer) \(workload): \(run.stdout) \(run.stderr)")
            #expect(summary.contains(" failed=0 ") && !summary.contains("ops=0 "), "\(layer) \(workload): \(summary)")
        }
        // The Puts of the rpc layer wrote the prepared value (one 64-byte value, client 0's first).
        let get = try await cluster.cli(["get", "key0"])
        #expect(get.status == 0 && get.stdout.hasPrefix("c0s0;") && get.stdout.count == 65, "\(get.stdout)")
        let mixed = try await cluster.cli(common + ["--layer", "rpc"], timeout: 10)
        #expect(mixed.status == 2 && mixed.stderr.contains("--workload put or get"), "\(mixed.stderr)")
        for i in 0..<3 { try await cluster.stop(i) }
    }

    @Test(.timeLimit(.minutes(2)))
    func refusesCorruptDirectoryAnotherIDAndBadOptions() async throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try SKVProcessCluster(root: root)
        defer { cluster.killAll() }
        // A first start creates the directory and its marker.
        try cluster.start(0)
        try await Task.sleep(for: .milliseconds(500))
        try await cluster.stop(0)

        // Another member's id on the same directory (the peer list is no longer pinned: the
        // directory's address book keeps the members).
        var otherID = cluster.serveArguments(1)
        otherID[otherID.firstIndex(of: cluster.dataDirectory(1))!] = cluster.dataDirectory(0)
        let wrong = try await SKVBinary.run(otherID, within: .seconds(20))
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("belongs to another configuration"), "\(wrong.stderr)")
        #expect(wrong.stderr.split(separator: "\n").count == 1)
        // The address book: a checksummed atomic file (16-byte header) holding text.
        let bookFile = try Data(contentsOf: URL(fileURLWithPath: cluster.dataDirectory(0) + "/members"))
        let book = String(decoding: bookFile.dropFirst(16), as: UTF8.self)
        #expect(book.hasPrefix("skv-members 1\ninitial-voters 1 2 3\n"), "\(book)")

        // A damaged hard-state file.
        let hardState = cluster.dataDirectory(0) + "/hardstate"
        try Data("not a hard state file, just garbage".utf8).write(to: URL(fileURLWithPath: hardState))
        let corrupt = try await SKVBinary.run(cluster.serveArguments(0), within: .seconds(20))
        #expect(corrupt.status != 0)
        #expect(corrupt.stderr.contains("corrupt"), "\(corrupt.stderr)")

        // Invalid options: exit 2, one line.
        let duplicate = try await SKVBinary.run(
            cluster.serveArguments(1, peers: cluster.peerOptions + ["--peer", "1=127.0.0.1:9"]), within: .seconds(20))
        #expect(duplicate.status == 2 && duplicate.stderr.contains("duplicate peer id 1"), "\(duplicate.stderr)")
        let notMember = try await SKVBinary.run(
            ["kv", "serve", "--id", "4", "--listen", "127.0.0.1:9"] + cluster.peerOptions + ["--data-dir", root + "/x"],
            within: .seconds(20))
        #expect(notMember.status == 2 && notMember.stderr.contains("own id 4"), "\(notMember.stderr)")
        let badAddress = try await SKVBinary.run(
            ["kv", "serve", "--id", "1", "--listen", "nohost"] + cluster.peerOptions + ["--data-dir", root + "/x"],
            within: .seconds(20))
        #expect(badAddress.status == 2 && badAddress.stderr.contains("invalid address"), "\(badAddress.stderr)")
        let badTiming = try await SKVBinary.run(
            cluster.serveArguments(1) + ["--heartbeat-interval-ms", "100", "--election-timeout-ms", "100"], within: .seconds(20))
        #expect(badTiming.status == 2 && badTiming.stderr.contains("--election-timeout-ms"), "\(badTiming.stderr)")

        // No server: the CLI gives up with exit 3.
        let unavailable = try await cluster.cli(["get", "k"], timeout: 2)
        #expect(unavailable.status == 3, "\(unavailable.stderr)")
    }
}
