import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension KVProcessTests {
    /// A real full disk under a KV daemon: each node's data directory is its own small tmpfs
    /// mount; the leader's is filled up, so its next WAL or snapshot write fails with `ENOSPC`.
    /// The leader logs `storage failed; the peer stops` and exits with status 74 and a one-line
    /// reason; clients' writes continue on the other two; after space is freed the node restarts,
    /// recovers from its disk, and every acknowledged write is readable. Needs root and a
    /// working `mount -t tmpfs` (CI: a Debian machine as root); skipped otherwise.
    ///
    /// Nested in ``KVProcessTests`` so that it inherits `.serialized` and the binary check: the
    /// process tests never run two clusters at once.
    @Suite(
        "DiskFullProcessTests",
        .enabled(if: TmpfsMount.isAvailable, "needs root and mount -t tmpfs (\(TmpfsMount.unavailableReason))"))
    struct DiskFullProcessTests {
        @Test(.timeLimit(.minutes(3)))
        func leaderWithAFullDiskExitsAndTheGroupKeepsServing() async throws {
            let root = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: root) }
            let cluster = try SKVProcessCluster(root: root)
            var mounts: [TmpfsMount] = []
            defer {
                cluster.killAll()
                for mount in mounts { mount.unmount() }
            }
            for i in 0..<3 { mounts.append(try TmpfsMount(at: cluster.dataDirectory(i), megabytes: 16)) }
            try cluster.startAll()

            var expected = try await cluster.putNumberedKeys(5)
            let leader = try #require(try await cluster.leader())
            let filler = cluster.dataDirectory(leader) + "/filler"
            let filled = fillUntilFull(filler)
            print("DiskFullProcessTests: filled node \(leader + 1)'s 16 MiB tmpfs with \(filled) bytes")

            // Writes go on (the CLI retries the other members) until the leader's disk refuses one.
            let value = String(repeating: "x", count: 2000)
            var k = 5
            let deadline = ContinuousClock.now + .seconds(60)
            while cluster.exitStatus(leader) == nil && ContinuousClock.now < deadline {
                let put = try await cluster.cli(["put", "k\(k)", value])
                try #require(put.status == 0, "put k\(k) with node \(leader + 1)'s disk full: \(put.stderr)")
                expected["k\(k)"] = value
                k += 1
            }
            let status = try #require(cluster.exitStatus(leader), "node \(leader + 1) kept running with a full disk")
            let log = try String(contentsOfFile: "\(root)/node\(leader + 1).log", encoding: .utf8)
            #expect(status == 74, "exit status \(status): \(cluster.logTail(leader))")
            #expect(log.contains("storage failed; the peer stops"), "\(cluster.logTail(leader))")
            let reason = log.split(separator: "\n").filter { $0.hasPrefix("skv: ") }
            #expect(reason.count == 1 && reason[0].contains("No space left on device"), "\(reason)")
            print(
                "DiskFullProcessTests: node \(leader + 1) exited \(status) after \(k - 5) puts: \(reason.first ?? "")")

            // The other two serve on.
            for j in 0..<5 {
                let put = try await cluster.cli(["put", "after\(j)", "a\(j)"])
                try #require(put.status == 0, "put after\(j) without node \(leader + 1): \(put.stderr)")
                expected["after\(j)"] = "a\(j)"
            }

            // Space freed: the node restarts from its disk and catches up.
            try FileManager.default.removeItem(atPath: filler)
            try await cluster.restartAndCheckRecovery(leader, expected: &expected)
        }

        /// Writes zeros to `path` until the file system is full; returns the bytes written.
        private func fillUntilFull(_ path: String) -> Int {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { return 0 }
            defer { close(fd) }
            var total = 0
            for chunk in [1 << 20, 4096, 1] {
                let zeros = [UInt8](repeating: 0, count: chunk)
                while true {
                    let written = zeros.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, chunk) }
                    if written <= 0 { break }
                    total += written
                }
            }
            return total
        }
    }
}

/// A tmpfs mounted on a directory for one test (root only), unmounted by ``unmount()``.
struct TmpfsMount {
    let path: String

    /// Mounts a tmpfs of `megabytes` on `path` (created if needed).
    init(at path: String, megabytes: Int) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let result = Self.run(["mount", "-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path])
        guard result == 0 else { throw SKVProcessError(description: "mount -t tmpfs on \(path) exited \(result)") }
        self.path = path
    }

    func unmount() { _ = Self.run(["umount", path]) }

    /// Whether this process can mount a tmpfs (root, and `mount` works here), probed once.
    static let isAvailable: Bool = unavailableReason.isEmpty

    /// Why not, or "" when it can.
    static let unavailableReason: String = {
        guard getuid() == 0 else { return "not root" }
        let probe = NSTemporaryDirectory() + "skv-tmpfs-probe-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard let mount = try? TmpfsMount(at: probe, megabytes: 1) else { return "mount -t tmpfs failed" }
        mount.unmount()
        return ""
    }()

    /// Runs a command from PATH and returns its exit status (127 if it cannot start).
    private static func run(_ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return 127 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
