import Foundation
import KVRaft
import Linearizability
import RPCHTTP2NIO
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Membership changes of `skv kv serve` daemons while clients run, over loopback (issue 14):
/// a node is killed for good and replaced by a new one on a new address (`member remove`, then
/// `member add` and `serve --join`), the group grows from three voters to five and shrinks back
/// to three (removing the leader on the way), and a removed node refuses to start again.
/// Five clerks in this process run the stress workload throughout (their server lists name
/// every address the test will use); afterwards every acknowledged append is in its key once
/// and in order, the shared keys agree with the acknowledged writes, and the whole history is
/// linearizable. The clients' choices come from a seed, printed (`KV_MEMBER_SEED` replays it).
extension KVProcessTests {
    @Suite("KVMembershipProcessTests")
    struct KVMembershipProcessTests {
        /// Node ids 1...6: 1-3 found the group, 4 replaces 3, 5 and 6 grow it.
        static let nodes = 6
        static let clients = 5
        static let sharedKeys = 4
        /// Load between two steps of the schedule.
        static let stepGap: Duration = .milliseconds(700)
        static let readyLimit: Duration = .seconds(20)

        @Test(.timeLimit(.minutes(3)))
        func replaceAKilledNodeGrowToFiveAndShrinkToThreeUnderLoad() async throws {
            let seed = StressWorkload.seed(from: "KV_MEMBER_SEED")
            let root = NSTemporaryDirectory() + "skv-member-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            print("KVMembershipProcessTests: seed \(seed) (replay: KV_MEMBER_SEED=\(seed)); logs in \(root)")
            let group = try DaemonGroup(root: root, count: Self.nodes)
            let history = StressHistory()
            var keepArtifacts = true
            defer {
                group.killAll()
                StressChecks.keepOrRemove(root, history: history, keep: keepArtifacts, label: "KVMembershipProcessTests")
            }
            let started = ContinuousClock.now
            func log(_ text: String) { print("[\(elapsed(since: started))] \(text)") }

            for id in 1...3 { try group.start(id, founders: [1, 2, 3]) }
            try await group.waitForMembers(voters: [1, 2, 3], via: [1, 2, 3], within: Self.readyLimit)
            log("group of 1, 2, 3 up")

            let stop = StopSignal()
            let ports = group.ports
            var problems: [String] = []
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for client in 0..<Self.clients {
                    tasks.addTask {
                        let (clerk, transports) = KVProcessStressTests.makeClerk(
                            ports: ports, operationTimeout: .seconds(5))
                        await StressWorkload.runClient(
                            client, seed: seed, clerk: clerk, sharedKeys: Self.sharedKeys, history: history, stop: stop)
                        for transport in transports { await transport.close() }
                    }
                }
                try await Task.sleep(for: Self.stepGap)

                // Node 3's host dies: kill -9, remove it, and a new node 4 on another address
                // takes its place.
                try await group.stop(3, signal: SIGKILL)
                try await group.member(["remove", "3"], via: [1, 2])
                log("node 3 killed and removed; acknowledged so far \(history.counts().acknowledged)")
                try await group.member(["add", "4", group.address(4)], via: [1, 2])
                try group.start(4, joining: [1, 2, 4])
                try await group.waitForMembers(voters: [1, 2, 4], via: [1, 2, 4], within: Self.readyLimit)
                log("node 4 joined and was promoted")
                try await Task.sleep(for: Self.stepGap)

                // Grow to five voters.
                for id in [5, 6] {
                    try await group.member(["add", "\(id)", group.address(id)], via: [1, 2, 4])
                    try group.start(id, joining: [1, 2, 4, id])
                }
                try await group.waitForMembers(voters: [1, 2, 4, 5, 6], via: [1, 2, 4, 5, 6], within: Self.readyLimit)
                log("grown to 1, 2, 4, 5, 6; acknowledged so far \(history.counts().acknowledged)")
                try await Task.sleep(for: Self.stepGap)

                // Shrink to three, the current leader first (it hands over).
                let leader = try await group.leader(via: [1, 2, 4, 5, 6])
                let removals = [leader] + [1, 5, 2].filter { $0 != leader }.prefix(1)
                let remaining = [1, 2, 4, 5, 6].filter { !removals.contains($0) }
                for id in removals {
                    try await group.member(["remove", "\(id)"], via: remaining)
                    try await group.stop(id)
                }
                try await group.waitForMembers(voters: remaining, via: remaining, within: Self.readyLimit)
                log("shrunk to \(remaining) (removed \(removals), leader first)")
                try await Task.sleep(for: Self.stepGap)

                // A removed node does not serve again under its old identity: stopped before it
                // learnt of its removal, it learns it from the first member it contacts and exits
                // (status 78); once it knows, it refuses to start (status 1).
                // (Whether it applied its removal before it stopped depends on timing.)
                for expected: Set<Int32> in [[78, 1], [1]] {
                    let again = try await SKVBinary.run(
                        group.serveArguments(removals[0], peers: [removals[0]]), within: .seconds(20))
                    log("removed node \(removals[0]) restarted: exit \(again.status)")
                    if !expected.contains(again.status) || !again.stderr.contains("was removed from its group") {
                        problems.append("removed node \(removals[0]) restarted: \(again.status) \(again.stderr)")
                    }
                }
                stop.set()
                try await tasks.waitForAll()
            }

            let counts = history.counts()
            log("clients stopped: ops=\(counts.total) acknowledged=\(counts.acknowledged) unknown=\(counts.unknown)")
            problems += StressChecks.logProblems(root: root)
            let keys = Set(history.all.map(\.input.key)).sorted()
            let (clerk, transports) = KVProcessStressTests.makeClerk(ports: ports, operationTimeout: .seconds(15))
            let finalValues = try await StressWorkload.readAll(
                keys, clerk: clerk, closing: transports, history: history, clientID: Self.clients)
            let operations = history.all
            problems += StressChecks.checkOwnKeys(operations, finalValues, clients: 0..<Self.clients)
            problems += StressChecks.checkSharedKeys(
                operations, finalValues, keys: (0..<Self.sharedKeys).map { StressWorkload.sharedKey($0) })
            if history.rejected.load(ordering: .relaxed) > 0 {
                problems.append("\(history.rejected.load(ordering: .relaxed)) operation(s) were rejected by a server")
            }
            if counts.acknowledged < 200 {
                problems.append("only \(counts.acknowledged) operations were acknowledged")
            }
            let (linearizable, linearizabilityProblems) = StressChecks.linearizability(
                operations, timeout: .seconds(20))
            problems += linearizabilityProblems
            print(
                "summary: seed=\(seed) ops=\(counts.total) acknowledged=\(counts.acknowledged) unknown=\(counts.unknown) "
                    + "linearizable: \(linearizable) problems=\(problems.count) time=\(elapsed(since: started))")
            keepArtifacts = !problems.isEmpty
            for problem in problems { Issue.record("seed \(seed): \(problem)") }
        }
    }
}

/// Up to `count` `skv kv serve` daemons with ids 1...count on loopback ports chosen up front,
/// started as founders of a group or as joining members, and the `skv kv member` CLI.
final class DaemonGroup {
    let root: String
    let ports: [Int]
    private var processes: [Int: Process] = [:]

    init(root: String, count: Int) throws {
        self.root = root
        var ports: [Int] = []
        while ports.count < count {
            let port = try freeLoopbackPort()
            if !ports.contains(port) { ports.append(port) }
        }
        self.ports = ports
    }

    func address(_ id: Int) -> String { "127.0.0.1:\(ports[id - 1])" }

    func serveArguments(_ id: Int, peers: [Int], joining: Bool = false) -> [String] {
        ["kv", "serve", "--id", "\(id)", "--listen", address(id), "--data-dir", "\(root)/node\(id)",
         "--max-raft-state", "4096"]
            + peers.flatMap { ["--peer", "\($0)=\(address($0))"] } + (joining ? ["--join"] : [])
    }

    func start(_ id: Int, founders: [Int]) throws { try launch(id, serveArguments(id, peers: founders)) }

    func start(_ id: Int, joining peers: [Int]) throws { try launch(id, serveArguments(id, peers: peers, joining: true)) }

    private func launch(_ id: Int, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SKVBinary.path)
        process.arguments = arguments
        try process.run(loggingTo: "\(root)/node\(id).log")
        processes[id] = process
    }

    /// Sends `signal` to daemon `id` and waits (bounded) for it to exit.
    func stop(_ id: Int, signal: Int32 = SIGTERM, within limit: Duration = .seconds(15)) async throws {
        guard let process = processes.removeValue(forKey: id) else { return }
        _ = try await process.stop(name: "node \(id)", signal: signal, within: limit)
    }

    func killAll() {
        for process in processes.values where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        processes = [:]
    }

    /// `skv kv member ARGS` through the daemons `via`; throws with the output unless it succeeds.
    @discardableResult
    func member(_ arguments: [String], via ids: [Int]) async throws -> String {
        let result = try await SKVBinary.run(
            ["kv", "member"] + arguments + ["--endpoints", ids.map(address).joined(separator: ","), "--timeout", "20"],
            within: .seconds(40))
        guard result.status == 0 else {
            throw SKVProcessError(
                description: "skv kv member \(arguments.joined(separator: " ")): \(result.status) \(result.stderr)")
        }
        return result.stdout
    }

    /// Waits until `member list --json` through `via` shows exactly `voters` and no learners,
    /// and every daemon in `via` runs.
    func waitForMembers(voters: [Int], via ids: [Int], within limit: Duration) async throws {
        let deadline = ContinuousClock.now + limit
        var last = ""
        while ContinuousClock.now < deadline {
            for id in ids where processes[id].map({ !$0.isRunning }) ?? false {
                throw SKVProcessError(description: "node \(id) exited: \(logTail(id))")
            }
            last = (try? await member(["list", "--json"], via: ids)) ?? last
            let listed = Self.members(inJSON: last)
            if listed.voters == voters.sorted() && listed.learners.isEmpty { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw SKVProcessError(description: "members are not voters \(voters) within \(limit): \(last)")
    }

    /// The id of the leader `member list --json` names.
    func leader(via ids: [Int]) async throws -> Int {
        let json = try await member(["list", "--json"], via: ids)
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            let leader = object["leader"] as? Int
        else { throw SKVProcessError(description: "no leader in \(json)") }
        return leader
    }

    /// Voter and learner ids in `member list --json` output.
    static func members(inJSON json: String) -> (voters: [Int], learners: [Int]) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            let members = object["members"] as? [[String: Any]]
        else { return ([], []) }
        let ids = { (role: String) in
            members.filter { $0["role"] as? String == role }.compactMap { $0["id"] as? Int }.sorted()
        }
        return (ids("voter"), ids("learner"))
    }

    func logTail(_ id: Int, lines: Int = 15) -> String {
        let text = (try? String(contentsOfFile: "\(root)/node\(id).log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}
