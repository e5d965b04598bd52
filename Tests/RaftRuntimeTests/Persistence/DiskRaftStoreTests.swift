import DurableStorage
import Foundation
import Raft
import RaftRuntime
import Testing

/// `DiskRaftStore`: what `persist` and `compact` wrote is what `load` returns after a
/// reopen, including across crashes (CrashSimulatingFileSystem), torn tails and corruption.
@Suite("DiskRaftStore")
struct DiskRaftStoreTests {
    static func entries(_ range: ClosedRange<UInt64>, term: UInt64, size: Int = 4) -> [Entry] {
        range.map { Entry(term: term, index: $0, kind: .normal, data: Array(repeating: UInt8(truncatingIfNeeded: $0), count: size)) }
    }

    @Test func reloadAfterPersistTruncateAndCompact() async throws {
        try await withTemporaryDirectory { directory in
            do {
                let store = try DiskRaftStore(directory: directory)
                #expect(try store.load() == PersistedRaftState())
                try store.persist(
                    hardState: HardState(term: 1, vote: 1, commit: 0), entries: Self.entries(1...5, term: 1),
                    snapshot: nil, mustSync: true)
                // A new leader overwrites 4...5 with a shorter suffix.
                try store.persist(
                    hardState: HardState(term: 2, vote: 3, commit: 3),
                    entries: [Entry(term: 2, index: 4, kind: .noop)], snapshot: nil, mustSync: true)
                let before = store.raftStateBytes
                try store.compact(
                    snapshot: Snapshot(metadata: .init(index: 3, term: 1, voters: [1, 2, 3]), data: [7]))
                #expect(store.raftStateBytes < before)
                store.close()
            }
            let reopened = try DiskRaftStore(directory: directory)
            let state = try reopened.load()
            #expect(state.snapshot == Snapshot(metadata: .init(index: 3, term: 1, voters: [1, 2, 3]), data: [7]))
            #expect(state.hardState == HardState(term: 2, vote: 3, commit: 3))
            #expect(state.entries == [Entry(term: 2, index: 4, kind: .noop)])
        }
    }

    @Test func installedSnapshotReplacesTheLog() async throws {
        try await withTemporaryDirectory { directory in
            do {
                let store = try DiskRaftStore(directory: directory)
                _ = try store.load()
                try store.persist(
                    hardState: HardState(term: 1, vote: 0, commit: 0), entries: Self.entries(1...12, term: 1),
                    snapshot: nil, mustSync: true)
                try store.persist(
                    hardState: HardState(term: 3, vote: 0, commit: 10), entries: [Entry(term: 3, index: 11, data: [11])],
                    snapshot: Snapshot(metadata: .init(index: 10, term: 3, voters: [1, 2, 3]), data: [1, 2]),
                    mustSync: true)
                store.close()
            }
            let state = try DiskRaftStore(directory: directory).load()
            #expect(state.snapshot?.data == [1, 2])
            #expect(state.snapshot?.metadata.index == 10)
            #expect(state.entries == [Entry(term: 3, index: 11, data: [11])])
            #expect(state.hardState.term == 3)
        }
    }

    /// Compaction releases the WAL segments the snapshot covers, and a reload starts after it.
    @Test func compactionReleasesCoveredSegments() async throws {
        try await withTemporaryDirectory { directory in
            let config = WriteAheadLog.Config(segmentSizeBytes: 4096, maxRecordBytes: 1024)
            let segments = { try FileManager.default.contentsOfDirectory(atPath: directory + "/wal").filter { $0.hasSuffix(".wal") } }
            do {
                let store = try DiskRaftStore(directory: directory, walConfig: config)
                _ = try store.load()
                for batch in 0..<10 {
                    let first = UInt64(batch * 10 + 1)
                    try store.persist(
                        hardState: batch == 0 ? HardState(term: 1, vote: 1, commit: 0) : nil,
                        entries: Self.entries(first...(first + 9), term: 1, size: 100), snapshot: nil, mustSync: true)
                }
                let before = try segments().count
                #expect(before > 3)
                try store.compact(snapshot: Snapshot(metadata: .init(index: 90, term: 1, voters: [1]), data: [90]))
                #expect(try segments().count < before)
                store.close()
            }
            let state = try DiskRaftStore(directory: directory, walConfig: config).load()
            #expect(state.snapshot?.metadata.index == 90)
            #expect(state.entries == Self.entries(91...100, term: 1, size: 100))
        }
    }

    @Test func commitOnlyChangesAreWrittenOnClose() async throws {
        try await withTemporaryDirectory { directory in
            do {
                let store = try DiskRaftStore(directory: directory)
                _ = try store.load()
                try store.persist(
                    hardState: HardState(term: 1, vote: 1, commit: 0), entries: Self.entries(1...3, term: 1),
                    snapshot: nil, mustSync: true)
                try store.persist(hardState: HardState(term: 1, vote: 1, commit: 3), entries: [], snapshot: nil, mustSync: false)
                store.close()
            }
            #expect(try DiskRaftStore(directory: directory).load().hardState == HardState(term: 1, vote: 1, commit: 3))
        }
    }

    @Test func secondOpenOfOneDirectoryIsRefused() async throws {
        try await withTemporaryDirectory { directory in
            let store = try DiskRaftStore(directory: directory)
            #expect(throws: RaftStoreError.locked(directory: directory)) {
                _ = try DiskRaftStore(directory: directory)
            }
            store.close()
            // Released by close.
            _ = try DiskRaftStore(directory: directory)
        }
    }

    /// A crash keeps everything a `persist` returned for and loses only what was never
    /// synced; a failed sync is reported, not swallowed.
    @Test func crashLosesOnlyTheUnsyncedTail() async throws {
        try await withTemporaryDirectory { directory in
            let fileSystem = CrashSimulatingFileSystem()
            do {
                let store = try DiskRaftStore(directory: directory, fileSystem: fileSystem)
                _ = try store.load()
                try store.persist(
                    hardState: HardState(term: 1, vote: 2, commit: 0), entries: Self.entries(1...5, term: 1),
                    snapshot: nil, mustSync: true)
                fileSystem.failNextSync(errno: EIO)
                #expect(throws: RaftStoreError.self) {
                    try store.persist(hardState: nil, entries: Self.entries(6...8, term: 1), snapshot: nil, mustSync: true)
                }
                try fileSystem.crash()
            }
            let state = try DiskRaftStore(directory: directory).load()
            #expect(state.entries == Self.entries(1...5, term: 1))
            #expect(state.hardState == HardState(term: 1, vote: 2, commit: 0))
        }
    }

    /// A data directory the store creates is itself durable before the first `persist`
    /// returns: its entry in the parent directory is synced, not only what is inside it.
    @Test func crashKeepsANewlyCreatedDataDirectory() async throws {
        try await withTemporaryDirectory { root in
            let directory = root + "/node"
            let fileSystem = CrashSimulatingFileSystem()
            do {
                let store = try DiskRaftStore(directory: directory, fileSystem: fileSystem)
                _ = try store.load()
                try store.persist(
                    hardState: HardState(term: 1, vote: 1, commit: 0), entries: Self.entries(1...3, term: 1),
                    snapshot: nil, mustSync: true)
                try fileSystem.crash()
            }
            let state = try DiskRaftStore(directory: directory).load()
            #expect(state.entries == Self.entries(1...3, term: 1))
            #expect(state.hardState == HardState(term: 1, vote: 1, commit: 0))
        }
    }

    /// A record cut short at the end of the log (a write the crash interrupted) is dropped.
    @Test func tornTailIsTruncated() async throws {
        try await withTemporaryDirectory { directory in
            do {
                let store = try DiskRaftStore(directory: directory)
                _ = try store.load()
                try store.persist(
                    hardState: HardState(term: 1, vote: 1, commit: 0), entries: Self.entries(1...5, term: 1, size: 100),
                    snapshot: nil, mustSync: true)
                store.close()
            }
            let segment = try Self.onlySegment(directory)
            let size = try Self.endOfRecords(segment)
            let handle = try #require(FileHandle(forWritingAtPath: segment))
            try handle.truncate(atOffset: UInt64(size - 30))
            try handle.close()
            let state = try DiskRaftStore(directory: directory).load()
            #expect(state.entries == Self.entries(1...4, term: 1, size: 100))
        }
    }

    /// Damage followed by valid records cannot be a torn write: opening fails with a typed
    /// error instead of silently dropping acknowledged entries.
    @Test func corruptRecordInTheMiddleIsRefused() async throws {
        try await withTemporaryDirectory { directory in
            do {
                let store = try DiskRaftStore(directory: directory)
                _ = try store.load()
                try store.persist(
                    hardState: HardState(term: 1, vote: 1, commit: 0), entries: Self.entries(1...5, term: 1, size: 100),
                    snapshot: nil, mustSync: true)
                store.close()
            }
            let segment = try Self.onlySegment(directory)
            var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: segment)))
            bytes[try Self.endOfRecords(segment) / 3] ^= 0xFF
            try Data(bytes).write(to: URL(fileURLWithPath: segment))
            do {
                _ = try DiskRaftStore(directory: directory).load()
                Issue.record("a corrupt middle record was accepted")
            } catch {
                guard case RaftStoreError.corrupt = error else {
                    Issue.record("expected .corrupt, got \(error)")
                    return
                }
            }
        }
    }

    @Test func corruptSnapshotIsRefused() async throws {
        try await withTemporaryDirectory { directory in
            do {
                let store = try DiskRaftStore(directory: directory)
                _ = try store.load()
                try store.persist(
                    hardState: HardState(term: 1, vote: 1, commit: 0), entries: Self.entries(1...5, term: 1),
                    snapshot: nil, mustSync: true)
                try store.compact(snapshot: Snapshot(metadata: .init(index: 4, term: 1, voters: [1]), data: [1, 2, 3, 4]))
                store.close()
            }
            let snapshots = directory + "/snapshots"
            let name = try #require(try FileManager.default.contentsOfDirectory(atPath: snapshots).first)
            let path = snapshots + "/" + name
            var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
            bytes[bytes.count - 1] ^= 0xFF
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let store = try DiskRaftStore(directory: directory)
            Self.expectCorrupt(store)
        }
    }

    /// Found by the `storage` fuzz target: a hard state (checksums intact) with term 2^64 - 1
    /// loaded, and the node started from it trapped on `term + 1` when it campaigned. Terms
    /// and indexes past `RaftLimits.maxTermOrIndex` are now refused as corruption.
    @Test func termsBeyondTheLimitAreRefused() async throws {
        try await withTemporaryDirectory { directory in
            do {
                let store = try DiskRaftStore(directory: directory)
                _ = try store.load()
                try store.persist(
                    hardState: HardState(term: 1, vote: 1, commit: 0), entries: Self.entries(1...2, term: 1),
                    snapshot: nil, mustSync: true)
                store.close()
            }
            try HardStateFile(path: directory + "/hardstate").save(
                DurableStorage.HardState(term: .max, vote: 1, commit: 0))
            let store = try DiskRaftStore(directory: directory)
            Self.expectCorrupt(store)
            store.close()
            try HardStateFile(path: directory + "/hardstate").save(
                DurableStorage.HardState(term: RaftLimits.maxTermOrIndex, vote: 1, commit: 0))
            let reopened = try DiskRaftStore(directory: directory)
            #expect(try reopened.load().hardState.term == RaftLimits.maxTermOrIndex)
            reopened.close()
        }
    }

    /// Expects `load()` to refuse the store as corrupt.
    static func expectCorrupt(_ store: DiskRaftStore, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(sourceLocation: sourceLocation) {
            _ = try store.load()
        } throws: { error in
            if case RaftStoreError.corrupt = error { return true }
            return false
        }
    }

    static func onlySegment(_ directory: String) throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory + "/wal").filter { $0.hasSuffix(".wal") }
        try #require(names.count == 1)
        return directory + "/wal/" + names[0]
    }

    /// Where the records of a segment end: a preallocated segment goes on with zeros (free
    /// space), and the test entries' records end in non-zero data bytes.
    static func endOfRecords(_ segment: String) throws -> Int {
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: segment)))
        return try #require(bytes.lastIndex { $0 != 0 }) + 1
    }
}
