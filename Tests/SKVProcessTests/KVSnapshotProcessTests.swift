import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `skv kv snapshot save|restore` as processes: a backup of a running 3-node group, a new
/// group on new data directories restored from it (the keys are there, later writes to the old
/// group are not, the new group takes writes), and the one-line refusals for unusable files,
/// directories and options. Needs `swift build --product skv`.
@Suite(
    "KVSnapshotProcessTests", .serialized,
    .enabled(if: SKVBinary.exists, "build the skv binary first: swift build --product skv"))
struct KVSnapshotProcessTests {
    @Test(.timeLimit(.minutes(3)))
    func saveFromARunningGroupAndRestoreANewOne() async throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let old = try SKVProcessCluster(root: root + "/old")
        defer { old.killAll() }
        try FileManager.default.createDirectory(atPath: old.root, withIntermediateDirectories: true)
        try old.startAll()
        var expected: [String: String] = [:]
        for k in 0..<12 {
            let put = try await old.cli(["put", "k\(k)", "v\(k)"])
            try #require(put.status == 0, "put k\(k): \(put.stderr)")
            expected["k\(k)"] = "v\(k)"
        }
        let append = try await old.cli(["append", "k0", "+x"])
        try #require(append.status == 0, "append: \(append.stderr)")
        expected["k0"] = "v0+x"

        let file = root + "/backup.snap"
        let save = try await old.cli(["snapshot", "save", file])
        try #require(save.status == 0, "save: \(save.stderr)")
        #expect(save.stdout.hasPrefix("saved \(file): index ") && save.stdout.contains(" 12 keys"), "\(save.stdout)")
        // A write after the save is not in the backup.
        let later = try await old.cli(["put", "after-save", "x"])
        try #require(later.status == 0, "put after the save: \(later.stderr)")
        old.killAll()

        let new = try SKVProcessCluster(root: root + "/new", avoiding: old.ports)
        defer { new.killAll() }
        try FileManager.default.createDirectory(atPath: new.root, withIntermediateDirectories: true)
        for i in 0..<3 {
            let restore = try await SKVBinary.run(
                ["kv", "snapshot", "restore", file, "--data-dir", new.dataDirectory(i), "--id", "\(i + 1)"]
                    + new.peerOptions)
            try #require(restore.status == 0, "restore member \(i + 1): \(restore.stderr)")
            #expect(restore.stdout.contains("12 keys"), "\(restore.stdout)")
        }
        try new.startAll()
        for (key, value) in expected.sorted(by: { $0.key < $1.key }) {
            let get = try await new.cli(["get", key])
            #expect(get.status == 0 && get.stdout == value + "\n", "\(key): \(get.status) \(get.stdout) \(get.stderr)")
        }
        let missing = try await new.cli(["get", "after-save"], timeout: 5)
        #expect(missing.status == 1, "a write after the save is in the restored group: \(missing.stdout)")
        let put = try await new.cli(["put", "k0", "new"])
        #expect(put.status == 0, "the restored group refused a write: \(put.stderr)")
        let append2 = try await new.cli(["append", "k1", "+y"])
        #expect(append2.status == 0, "the restored group refused an append: \(append2.stderr)")
        let get = try await new.cli(["get", "k1"])
        #expect(get.stdout == "v1+y\n", "\(get.stdout) \(get.stderr)")
        // Every member restarts from its seeded directory (and the log written since).
        for i in 0..<3 { #expect(try await new.stop(i) == 0, "member \(i + 1) exit status") }
        try new.startAll()
        let again = try await new.cli(["get", "k0"])
        #expect(again.stdout == "new\n", "after a restart: \(again.stdout) \(again.stderr)")
        for i in 0..<3 { try await new.stop(i) }
    }

    @Test(.timeLimit(.minutes(2)))
    func refusesUnusableFilesDirectoriesAndOptions() async throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try SKVProcessCluster(root: root)
        defer { cluster.killAll() }
        try cluster.startAll()
        let put = try await cluster.cli(["put", "k", "v"])
        try #require(put.status == 0, "put: \(put.stderr)")
        let file = root + "/backup.snap"
        let save = try await cluster.cli(["snapshot", "save", file])
        try #require(save.status == 0, "save: \(save.stderr)")
        cluster.killAll()
        let good = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))

        func restore(_ path: String, into directory: String, id: Int = 1) async throws
            -> (status: Int32, stdout: String, stderr: String)
        {
            try await SKVBinary.run(
                ["kv", "snapshot", "restore", path, "--data-dir", directory, "--id", "\(id)"] + cluster.peerOptions)
        }
        func expectRefusal(
            _ result: (status: Int32, stdout: String, stderr: String), status: Int32, mentioning words: String
        ) {
            #expect(result.status == status, "status \(result.status): \(result.stderr)")
            #expect(result.stderr.hasPrefix("skv: ") && result.stderr.contains(words), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "not one line: \(result.stderr)")
        }

        var flipped = good
        flipped[flipped.count - 1] ^= 0xFF
        let cases: [(name: String, bytes: [UInt8], words: String)] = [
            ("flipped", flipped, "checksum"),
            ("truncated", Array(good.dropLast(3)), "truncated"),
            ("text", Array("hello, not a snapshot\n".utf8), "not an skv snapshot file"),
            ("empty", [], "not an skv snapshot file"),
        ]
        for (name, bytes, words) in cases {
            let path = "\(root)/\(name).snap"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            expectRefusal(try await restore(path, into: "\(root)/dir-\(name)"), status: 1, mentioning: words)
            #expect(!FileManager.default.fileExists(atPath: "\(root)/dir-\(name)/skv-node"), "\(name) seeded a directory")
        }
        expectRefusal(try await restore(root + "/missing.snap", into: root + "/dir-missing"), status: 1, mentioning: "cannot read")
        // An existing member's directory is never overwritten.
        expectRefusal(try await restore(file, into: cluster.dataDirectory(0)), status: 1, mentioning: "not empty")
        expectRefusal(try await restore(file, into: root + "/dir-id", id: 7), status: 2, mentioning: "own id 7")

        // Nothing answers: save gives up within --timeout with the unavailable status.
        let port = try freeLoopbackPort()
        let unreachable = try await SKVBinary.run(
            ["kv", "snapshot", "save", root + "/none.snap", "--endpoints", "127.0.0.1:\(port)", "--timeout", "1"])
        expectRefusal(unreachable, status: 3, mentioning: "no leader")
        #expect(!FileManager.default.fileExists(atPath: root + "/none.snap"))
    }
}
