import DurableStorage
import Testing

/// Snapshot store and atomic files: atomic replacement, retention, checksums, and crash
/// leftovers (temporary files) being ignored and cleaned up.
@Suite struct SnapshotStoreTests {
    @Test func saveAndLoadLatest() throws {
        try withTemporaryDirectory("snap") { directory in
            let store = try SnapshotStore(directory: directory)
            #expect(try store.loadLatest() == nil)
            let first = SnapshotStore.Snapshot(sequence: 10, data: payload(10, size: 5000))
            let second = SnapshotStore.Snapshot(sequence: 20, data: payload(20, size: 70_000))
            try store.save(first)
            try store.save(second)
            #expect(try store.loadLatest() == second)
            #expect(try store.load(sequence: 10) == first)
            let reopened = try SnapshotStore(directory: directory)
            #expect(try reopened.loadLatest() == second)
            #expect(try Disk.list(directory) == ["000000000000000a.snap", "0000000000000014.snap"])
        }
    }

    /// Data saved as chunks (a header and a payload, not concatenated) loads as one piece,
    /// with the same file as a save of the concatenation.
    @Test func chunkedDataLoadsAsTheConcatenation() throws {
        try withTemporaryDirectory("snap") { directory in
            let store = try SnapshotStore(directory: directory)
            let head = payload(1, size: 17)
            let body = payload(2, size: 70_000)
            try store.save(sequence: 5, dataChunks: [head, [], body])
            #expect(try store.loadLatest() == .init(sequence: 5, data: head + body))
            let chunked = try Disk.bytes(directory + "/0000000000000005.snap")
            try store.save(.init(sequence: 5, data: head + body))
            #expect(try Disk.bytes(directory + "/0000000000000005.snap") == chunked)
            #expect(throws: WALError.self) {
                try SnapshotStore(directory: directory, config: .init(maxSnapshotBytes: 70_016))
                    .save(sequence: 6, dataChunks: [head, body])
            }
        }
    }

    @Test func emptySnapshotRoundTrips() throws {
        try withTemporaryDirectory("snap") { directory in
            let store = try SnapshotStore(directory: directory)
            try store.save(.init(sequence: 0, data: []))
            #expect(try store.loadLatest() == .init(sequence: 0, data: []))
        }
    }

    @Test func keepsOnlyRetainCountNewest() throws {
        try withTemporaryDirectory("snap") { directory in
            let store = try SnapshotStore(directory: directory, config: .init(retainCount: 3))
            for sequence in UInt64(1)...7 {
                try store.save(.init(sequence: sequence * 100, data: payload(sequence, size: 64)))
            }
            #expect(try store.sequences() == [500, 600, 700])
            #expect(try store.loadLatest()?.sequence == 700)
        }
    }

    @Test(arguments: [Int64(0), 9, 17, 25, 29, 32, 1000, 2031])
    func corruptSnapshotIsDetected(flippedByte: Int64) throws {
        try withTemporaryDirectory("snap") { directory in
            let store = try SnapshotStore(directory: directory)
            try store.save(.init(sequence: 42, data: payload(42, size: 2000)))
            let path = directory + "/000000000000002a.snap"
            try Disk.flipByte(path, at: flippedByte)
            let failure = #expect(throws: WALError.self) { try store.loadLatest() }
            guard case .corruptFile(path, _)? = failure else {
                Issue.record("expected corruptFile, got \(String(describing: failure))")
                return
            }
        }
    }

    @Test func truncatedSnapshotIsDetected() throws {
        try withTemporaryDirectory("snap") { directory in
            let store = try SnapshotStore(directory: directory)
            try store.save(.init(sequence: 42, data: payload(42, size: 2000)))
            try Disk.truncate(directory + "/000000000000002a.snap", to: 1500)
            #expect(throws: WALError.self) { try store.loadLatest() }
        }
    }

    @Test func leftoverTemporaryFilesAreIgnoredAndCleaned() throws {
        try withTemporaryDirectory("snap") { directory in
            let store = try SnapshotStore(directory: directory)
            try store.save(.init(sequence: 5, data: [1, 2, 3]))
            // A crash during a later save left a half-written temporary file.
            try Disk.write(directory + "/0000000000000009.snap.tmp", [0xde, 0xad])
            #expect(try store.sequences() == [5])
            #expect(try store.loadLatest() == .init(sequence: 5, data: [1, 2, 3]))
            let reopened = try SnapshotStore(directory: directory)
            #expect(reopened.removedTemporaryFiles == ["0000000000000009.snap.tmp"])
            #expect(try Disk.list(directory) == ["0000000000000005.snap"])
        }
    }

    @Test func crashDuringSaveKeepsPreviousSnapshot() throws {
        try withTemporaryDirectory("snap") { directory in
            let fileSystem = CrashSimulatingFileSystem()
            let store = try SnapshotStore(directory: directory, fileSystem: fileSystem)
            try store.save(.init(sequence: 1, data: [7]))
            // The next save fails at its first fsync (the temporary file's), like a crash
            // before the rename: the old snapshot stays the latest.
            fileSystem.failNextSync(errno: 5)
            #expect(throws: WALError.self) { try store.save(.init(sequence: 2, data: [8, 8])) }
            try fileSystem.crash()
            let reopened = try SnapshotStore(directory: directory)
            #expect(try reopened.loadLatest() == .init(sequence: 1, data: [7]))
        }
    }

    @Test func oversizedSnapshotAndBadConfigAreRejected() throws {
        try withTemporaryDirectory("snap") { directory in
            #expect(throws: WALError.self) {
                try SnapshotStore(directory: directory, config: .init(retainCount: 0))
            }
            let store = try SnapshotStore(directory: directory, config: .init(maxSnapshotBytes: 10))
            #expect(throws: WALError.self) {
                try store.save(.init(sequence: 1, data: [UInt8](repeating: 0, count: 11)))
            }
            #expect(try store.sequences().isEmpty)
        }
    }
}

@Suite struct AtomicFileTests {
    @Test func hardStateRoundTripsAndIsReplacedWhole() throws {
        try withTemporaryDirectory("state") { directory in
            try Disk.fileSystem.createDirectory(directory)
            let file = HardStateFile(path: directory + "/hardstate")
            #expect(try file.load() == nil)
            try file.save(HardState(term: 3, vote: 2, commit: 17))
            #expect(try file.load() == HardState(term: 3, vote: 2, commit: 17))
            try file.save(HardState(term: 4, vote: 0, commit: 20))
            #expect(
                try HardStateFile(path: directory + "/hardstate").load()
                    == HardState(term: 4, vote: 0, commit: 20))
            #expect(try Disk.list(directory) == ["hardstate"])
        }
    }

    @Test(arguments: [Int64(0), 8, 12, 16, 39])
    func corruptHardStateIsDetected(flippedByte: Int64) throws {
        try withTemporaryDirectory("state") { directory in
            try Disk.fileSystem.createDirectory(directory)
            let file = HardStateFile(path: directory + "/hardstate")
            try file.save(HardState(term: 3, vote: 2, commit: 17))
            try Disk.flipByte(directory + "/hardstate", at: flippedByte)
            let failure = #expect(throws: WALError.self) { try file.load() }
            guard case .corruptFile? = failure else {
                Issue.record("expected corruptFile, got \(String(describing: failure))")
                return
            }
        }
    }

    @Test func leftoverTemporaryFileIsIgnoredAndRemovable() throws {
        try withTemporaryDirectory("state") { directory in
            try Disk.fileSystem.createDirectory(directory)
            let file = AtomicFile(path: directory + "/meta")
            try file.write([1, 2, 3])
            try Disk.write(directory + "/meta.tmp", [9, 9])
            #expect(try file.read() == [1, 2, 3])
            #expect(try file.removeLeftoverTemporaryFile())
            #expect(try !file.removeLeftoverTemporaryFile())
            #expect(try Disk.list(directory) == ["meta"])
            try file.write([])
            #expect(try file.read() == [])
        }
    }

    @Test func unsyncedNewFileIsLostButSyncedOneSurvives() throws {
        try withTemporaryDirectory("state") { directory in
            try Disk.fileSystem.createDirectory(directory)
            let fileSystem = CrashSimulatingFileSystem()
            let file = HardStateFile(path: directory + "/hardstate", fileSystem: fileSystem)
            try file.save(HardState(term: 1, vote: 1, commit: 0))
            try fileSystem.crash()
            #expect(
                try HardStateFile(path: directory + "/hardstate").load()
                    == HardState(term: 1, vote: 1, commit: 0))
        }
    }
}
