import Foundation
import Testing

/// `skv kv|ctrler|shard member …` as processes: on three KV daemons, `member list` shows the
/// voters, a learner is added (and shown by `skv kv status`) and removed, and removing the
/// leader completes on its successor;
/// malformed ids, addresses and options exit 2 with one `skv: ...` line before anything is
/// contacted. Needs `swift build --product skv`.
@Suite(
    "MemberProcessTests", .serialized,
    .enabled(if: SKVBinary.exists, "build the skv binary first: swift build --product skv"))
struct MemberProcessTests {
    /// One command and the words its one-line refusal must contain.
    static let refusals: [(arguments: [String], words: String)] = [
        (["kv", "member", "add", "0", "127.0.0.1:7004"], "invalid member id '0'"),
        (["kv", "member", "add", "four", "127.0.0.1:7004"], "invalid member id 'four'"),
        (["kv", "member", "add-learner", "4", "nohost"], "invalid address 'nohost'"),
        (["kv", "member", "add", "4", "127.0.0.1:70000"], "invalid address"),
        (["kv", "member", "add", "4"], "<address>"),
        (["kv", "member", "remove", "18446744073709551616"], "invalid member id"),
        (["kv", "member", "promote", "-3"], "<id>"),
        (["kv", "member", "list", "--timeout", "0"], "--timeout must be positive"),
        (["kv", "member", "list", "--endpoints", "127.0.0.1"], "invalid address"),
        (["ctrler", "member", "list"], "--ctrlers is required"),
        (["ctrler", "member", "remove", "0", "--ctrlers", "127.0.0.1:1"], "invalid member id '0'"),
        (["shard", "member", "list", "--ctrlers", "127.0.0.1:1"], "--group"),
        (["shard", "member", "list", "--group", "0", "--ctrlers", "127.0.0.1:1"], "--group must be positive"),
        (["shard", "member", "add", "4", "x:1:", "--group", "1", "--ctrlers", "127.0.0.1:1"], "invalid address"),
    ]

    @Test(.timeLimit(.minutes(2)), arguments: refusals.indices)
    func malformedArgumentsExitTwo(index: Int) async throws {
        let (arguments, words) = Self.refusals[index]
        let result = try await SKVBinary.run(arguments, within: .seconds(20))
        let command = "skv \(arguments.joined(separator: " "))"
        #expect(result.status == 2, "\(command): status \(result.status), \(result.stderr)")
        #expect(result.stderr.hasPrefix("skv: ") && result.stderr.contains(words), "\(command): \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(command): not one line: \(result.stderr)")
        #expect(result.stdout.isEmpty, "\(command): \(result.stdout)")
    }

    /// No server at the address: exit 3 with the connection problem, within `--timeout`.
    @Test(.timeLimit(.minutes(2)))
    func noServerExitsThree() async throws {
        let port = try freeLoopbackPort()
        let clock = ContinuousClock()
        let started = clock.now
        let result = try await SKVBinary.run(
            ["kv", "member", "remove", "2", "--endpoints", "127.0.0.1:\(port)", "--timeout", "2"], within: .seconds(30))
        #expect(result.status == 3, "status \(result.status): \(result.stderr)")
        #expect(result.stderr.hasPrefix("skv: unavailable: no leader answered"), "\(result.stderr)")
        #expect(clock.now - started < .seconds(10))
    }

    @Test(.timeLimit(.minutes(3)))
    func listAddLearnerRemoveAndRemoveTheLeader() async throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try SKVProcessCluster(root: root)
        defer { cluster.killAll() }
        try cluster.startAll()
        let leader = try #require(try await cluster.leader())

        let list = try await cluster.cli(["member", "list"])
        try #require(list.status == 0, "member list: \(list.stderr)")
        #expect(list.stdout.contains("3 voters, 0 learners"), "\(list.stdout)")
        for id in UInt64(1)...3 { #expect(Self.row(id, in: list.stdout)?[2] == "voter", "\(id): \(list.stdout)") }

        let learnerAddress = "127.0.0.1:\(try freeLoopbackPort())"
        let add = try await cluster.cli(["member", "add-learner", "4", learnerAddress])
        try #require(add.status == 0, "add-learner: \(add.stderr)")
        #expect(Self.row(4, in: add.stdout) == ["4", learnerAddress, "learner"], "\(add.stdout)")
        #expect(add.stdout.contains("skv kv serve --id 4 --listen \(learnerAddress) "), "\(add.stdout)")
        #expect(add.stdout.contains("--peer 4=\(learnerAddress) --data-dir <DIR> --join"), "\(add.stdout)")

        // `skv kv status` shows the membership and probes the learner (not running) as well.
        let status = try await cluster.cli(["status"], timeout: 5)
        #expect(status.stdout.contains("group kv membership: index "), "\(status.stdout)")
        #expect(status.stdout.contains(", voters 1,2,3, learners 4"), "\(status.stdout)")
        #expect(status.stdout.contains("\(learnerAddress) unavailable"), "\(status.stdout)")

        let json = try await cluster.cli(["member", "list", "--json"])
        #expect(json.status == 0 && json.stdout.contains(#""id":4,"address":"\#(learnerAddress)","role":"learner""#),
                "\(json.stdout) \(json.stderr)")

        let remove = try await cluster.cli(["member", "remove", "4"])
        try #require(remove.status == 0, "remove 4: \(remove.stderr)")
        #expect(remove.stdout.contains("3 voters, 0 learners"), "\(remove.stdout)")
        #expect(remove.stdout.contains("removed (may not rejoin): 4"), "\(remove.stdout)")
        #expect(Self.row(4, in: remove.stdout) == nil, "\(remove.stdout)")
        let again = try await cluster.cli(["member", "add-learner", "4", learnerAddress], timeout: 5)
        #expect(again.status == 1 && again.stderr.hasPrefix("skv: refused: "), "\(again.status) \(again.stderr)")

        // The leader hands over first; the command asks its successor.
        let removeLeader = try await cluster.cli(["member", "remove", "\(leader + 1)"])
        try #require(removeLeader.status == 0, "remove the leader \(leader + 1): \(removeLeader.stderr)")
        #expect(removeLeader.stdout.contains("2 voters, 0 learners"), "\(removeLeader.stdout)")
        #expect(Self.row(UInt64(leader + 1), in: removeLeader.stdout) == nil, "\(removeLeader.stdout)")
        let put = try await cluster.cli(["put", "k", "v"])
        #expect(put.status == 0, "put after removing the leader: \(put.stderr)")
    }

    /// `member add` of a node that is not running yet, then that node started with the line the
    /// command printed (`--join`): it catches up and the leader promotes it to voter; the group
    /// of four serves writes.
    @Test(.timeLimit(.minutes(3)))
    func addedMemberStartedWithThePrintedLineIsPromoted() async throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try SKVProcessCluster(root: root)
        defer { cluster.killAll() }
        try cluster.startAll()
        _ = try #require(try await cluster.leader())
        for k in 0..<5 { _ = try await cluster.cli(["put", "before\(k)", "v\(k)"]) }

        var port = try freeLoopbackPort()
        while cluster.ports.contains(port) { port = try freeLoopbackPort() }
        let address = "127.0.0.1:\(port)"
        let add = try await cluster.cli(["member", "add", "4", address])
        try #require(add.status == 0, "member add: \(add.stderr)")
        #expect(Self.row(4, in: add.stdout) == ["4", address, "learner"], "\(add.stdout)")
        let lines = add.stdout.split(separator: "\n").map(String.init)
        let start = try #require(lines.firstIndex(of: "start the new member with:").map { lines[$0 + 1] })
        var arguments = start.split(separator: " ").map(String.init)
        try #require(arguments.first == "skv", "\(start)")
        arguments.removeFirst()
        arguments = arguments.map { $0 == "<DIR>" ? "\(root)/node4" : $0 }
        #expect(arguments.contains("--join") && !start.contains("?"), "\(start)")

        let node4 = Process()
        node4.executableURL = URL(fileURLWithPath: SKVBinary.path)
        node4.arguments = arguments
        let logPath = "\(root)/node4.log"
        try node4.run(loggingTo: logPath)
        defer {
            if node4.isRunning {
                node4.terminate()
                node4.waitUntilExit()
            }
        }

        let deadline = ContinuousClock.now + .seconds(30)
        var last = ""
        while ContinuousClock.now < deadline {
            let list = try await cluster.cli(["member", "list"], timeout: 3)
            last = list.stdout + list.stderr
            if Self.row(4, in: list.stdout)?[2] == "voter" { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        let log4 = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        #expect(last.contains("4 voters, 0 learners"), "not promoted: \(last)\nnode 4: \(log4.suffix(1500))")
        let put = try await cluster.cli(["put", "after", "4"])
        #expect(put.status == 0, "put in the group of four: \(put.stderr)")
        #expect(node4.isRunning, "node 4 exited: \(log4.suffix(1500))")
    }

    /// The first three columns of member `id`'s row in a `member list` table, if it is listed.
    static func row(_ id: UInt64, in table: String) -> [String]? {
        table.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
            .first { $0.first == "\(id)" && $0.count >= 3 }.map { Array($0.prefix(3)) }
    }
}
