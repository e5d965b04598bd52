import Foundation
import Testing

extension KVProcessTests {
    /// A failing disk under a real KV daemon: every node runs with the `LD_PRELOAD` fault shim
    /// (``FaultShim``) on its WAL directory; once the test creates one node's trigger file, that
    /// node's WAL writes or syncs fail with `EIO` or `ENOSPC` while two clients keep writing.
    /// The node logs `storage failed; the peer stops` and exits 74 with a one-line reason naming
    /// the errno; the other two serve on; the node restarts once the fault is gone, recovers
    /// from its disk and catches up; every write a client saw acknowledged reads back (nothing
    /// was acknowledged that the group did not persist).
    ///
    /// Nested in ``KVProcessTests`` so that it inherits `.serialized` and the binary check.
    @Suite(
        "DiskFaultProcessTests",
        .enabled(
            if: FaultShim.isAvailable, "the LD_PRELOAD fault shim cannot be built: \(FaultShim.unavailableReason)"))
    struct DiskFaultProcessTests {
        /// One fault: which node's disk fails, on which calls, with which errno.
        struct Fault: Sendable, CustomTestStringConvertible {
            enum Role: String, Sendable {
                case leader
                case follower
            }

            var role: Role
            var calls: FaultShim.Calls
            var errno: FaultShim.Errno

            var testDescription: String { "\(errno.rawValue) on the \(role.rawValue)'s WAL \(calls.rawValue)" }
        }

        static let faults = [
            Fault(role: .leader, calls: .fsync, errno: .eio),
            Fault(role: .leader, calls: .write, errno: .eio),
            Fault(role: .follower, calls: .write, errno: .eio),
            Fault(role: .follower, calls: .fsync, errno: .enospc),
        ]

        @Test(.timeLimit(.minutes(3)), arguments: faults)
        func nodeWithAFailingDiskExitsAndRecovers(_ fault: Fault) async throws {
            let root = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: root) }
            let cluster = try SKVProcessCluster(root: root)
            defer { cluster.killAll() }
            let triggers = (0..<3).map { "\(root)/fault-node\($0 + 1)" }
            for i in 0..<3 {
                cluster.environment[i] = FaultShim.environment(
                    directory: resolvedPath(root) + "/node\(i + 1)/wal", calls: fault.calls, errno: fault.errno,
                    trigger: triggers[i])
            }
            try cluster.startAll()

            var expected = try await cluster.putNumberedKeys(5)
            let leader = try #require(try await cluster.leader())
            let node = fault.role == .leader ? leader : (leader + 1) % 3
            try #require(
                try String(contentsOfFile: "\(root)/node\(node + 1).log", encoding: .utf8)
                    .contains("skv-fault-shim: loaded"),
                "the daemon did not load the shim: \(cluster.logTail(node))")

            // Two clients write; then node's disk fails.
            let load = WriteLoad(endpoints: cluster.endpoints)
            let clients = Task { await load.run(clients: 2, prefix: "load") }
            try await Task.sleep(for: .seconds(1))
            let failedAt = ContinuousClock.now
            #expect(FileManager.default.createFile(atPath: triggers[node], contents: nil))
            while cluster.exitStatus(node) == nil && ContinuousClock.now < failedAt + .seconds(60) {
                try await Task.sleep(for: .milliseconds(50))
            }
            let exitedAfter = ContinuousClock.now - failedAt
            // The other two serve on: a few more acknowledged writes (bounded).
            let before = await load.acknowledged.count
            while await load.acknowledged.count < before + 6 && ContinuousClock.now < failedAt + .seconds(90) {
                try await Task.sleep(for: .milliseconds(100))
            }
            await load.stop()
            await clients.value
            let acknowledged = await load.acknowledged
            let unknown = await load.unknown
            expected.merge(acknowledged) { $1 }

            let status = try #require(
                cluster.exitStatus(node), "node \(node + 1) kept running: \(cluster.logTail(node))")
            let log = try String(contentsOfFile: "\(root)/node\(node + 1).log", encoding: .utf8)
            #expect(status == 74, "exit status \(status): \(cluster.logTail(node))")
            #expect(log.contains("storage failed; the peer stops"), "\(cluster.logTail(node))")
            let injected = log.split(separator: "\n").filter { $0.hasPrefix("skv-fault-shim: fault 1:") }
            #expect(injected.count == 1 && injected[0].contains("/wal"), "\(cluster.logTail(node))")
            let reason = log.split(separator: "\n").filter { $0.hasPrefix("skv: ") }
            #expect(reason.count == 1 && reason[0].contains(fault.errno.message), "\(reason)")
            #expect(
                acknowledged.count - before >= 6,
                "only \(acknowledged.count - before) writes after node \(node + 1) failed")
            print(
                "DiskFaultProcessTests (\(fault.testDescription)): node \(node + 1) exited \(status) "
                    + "\(exitedAfter) after the fault; clients: \(acknowledged.count) acknowledged, "
                    + "\(unknown) unknown; "
                    + "\(injected.first ?? ""); \(reason.first ?? "")")

            // The fault gone, the node restarts from its disk and catches up.
            try FileManager.default.removeItem(atPath: triggers[node])
            try await cluster.restartAndCheckRecovery(node, expected: &expected)
        }
    }
}
