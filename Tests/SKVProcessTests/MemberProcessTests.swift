import Foundation
import Testing

/// `skv kv|ctrler|shard member …` as processes: malformed ids, addresses and options exit 2
/// with one `skv: ...` line before anything is contacted. Needs `swift build --product skv`.
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
}
