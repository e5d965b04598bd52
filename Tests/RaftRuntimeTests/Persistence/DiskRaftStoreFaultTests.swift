import DurableStorage
import Foundation
import Raft
import RaftRuntime
import Testing

/// `DiskRaftStore` under device faults (`CrashSimulatingFileSystem` injection): `ENOSPC` and
/// `EIO` on write and on fsync fail the `persist` with a typed error and every later call
/// too (nothing is retried); what is on disk afterwards reopens, holds everything that was
/// acknowledged, and the store continues once space is freed. Power-cut sweeps visit every
/// crash point of a persist (WAL written, not synced), of a compaction (snapshot saved, log
/// not truncated yet) and of a snapshot install on a follower.
@Suite("DiskRaftStore faults")
struct DiskRaftStoreFaultTests {
    /// A device fault, injected into a `CrashSimulatingFileSystem`.
    enum DeviceFault: CaseIterable, CustomStringConvertible {
        case diskFullOnWrite, ioErrorOnWrite, ioErrorOnSync, diskFullOnSync

        var errno: Int32 {
            switch self {
            case .diskFullOnWrite, .diskFullOnSync: ENOSPC
            case .ioErrorOnWrite, .ioErrorOnSync: EIO
            }
        }

        func inject(into fileSystem: CrashSimulatingFileSystem) {
            switch self {
            case .diskFullOnWrite, .ioErrorOnWrite: fileSystem.failWrites(errno: errno, afterBytes: 20)
            case .ioErrorOnSync, .diskFullOnSync: fileSystem.failSyncs(errno: errno)
            }
        }

        var description: String {
            switch self {
            case .diskFullOnWrite: "ENOSPC on write"
            case .ioErrorOnWrite: "EIO on write"
            case .ioErrorOnSync: "EIO on fsync"
            case .diskFullOnSync: "ENOSPC on fsync"
            }
        }
    }

    static let snapshot90 = Snapshot(metadata: .init(index: 90, term: 1, voters: [1]), data: [90])
    static let smallSegments = WriteAheadLog.Config(segmentSizeBytes: 4096, maxRecordBytes: 1024)

    static func entries(_ range: ClosedRange<UInt64>, term: UInt64, size: Int = 4) -> [Entry] {
        DiskRaftStoreTests.entries(range, term: term, size: size)
    }

    /// The errno inside a store error, if it is an I/O error.
    static func errno(of error: RaftStoreError?) -> Int32? {
        guard case .io(.io(_, _, let code, _)) = error else { return nil }
        return code
    }

    @Test(arguments: DeviceFault.allCases, [false, true])
    func faultFailsThePersistAndEveryLaterCall(fault: DeviceFault, powerLoss: Bool) async throws {
        try await withTemporaryDirectory { directory in
            let fileSystem = CrashSimulatingFileSystem()
            do {
                let store = try Self.storeWithEntries(through: 5, directory, fileSystem)
                fault.inject(into: fileSystem)
                let failure = #expect(throws: RaftStoreError.self) {
                    try store.persist(
                        hardState: nil, entries: Self.entries(6...8, term: 1), snapshot: nil, mustSync: true)
                }
                #expect(Self.errno(of: failure) == fault.errno, "\(String(describing: failure))")
                // Latched: later calls fail with the same error and touch no file, even when the
                // device works again (a failed fsync is not retried: fsyncgate).
                fileSystem.clearFaults()
                let syncs = fileSystem.fileSyncCount + fileSystem.directorySyncCount
                #expect(throws: failure!) {
                    try store.persist(
                        hardState: HardState(term: 2, vote: 2, commit: 5), entries: [], snapshot: nil, mustSync: true)
                }
                #expect(throws: failure!) {
                    try store.compact(snapshot: Snapshot(metadata: .init(index: 5, term: 1, voters: [1]), data: [5]))
                }
                store.close()
                #expect(fileSystem.fileSyncCount + fileSystem.directorySyncCount == syncs)
                if powerLoss { try fileSystem.crash() }
            }
            // Restart after space is freed: what was acknowledged is there, the rest is a
            // prefix of the failed batch (all of it lost after a power loss).
            let store = try DiskRaftStore(directory: directory)
            let state = try store.load()
            #expect(state.hardState == HardState(term: 1, vote: 1, commit: 0))
            #expect(state.entries == Array(Self.entries(1...8, term: 1).prefix(state.entries.count)))
            #expect(state.entries.count >= 5)
            if powerLoss { #expect(state.entries.count == 5) }
            // The leader sends the batch again; the store takes it and keeps it.
            try store.persist(
                hardState: HardState(term: 2, vote: 2, commit: 8), entries: Self.entries(6...8, term: 2),
                snapshot: nil, mustSync: true)
            store.close()
            let reloaded = try DiskRaftStore(directory: directory).load()
            #expect(reloaded.entries == Self.entries(1...5, term: 1) + Self.entries(6...8, term: 2))
            #expect(reloaded.hardState.term == 2)
        }
    }

    /// A vote whose hard-state write fails is not on disk after a power loss: the store
    /// comes back with the previous term and vote, never a torn file.
    @Test(arguments: DeviceFault.allCases)
    func failedVoteIsNotRecorded(fault: DeviceFault) async throws {
        try await withTemporaryDirectory { directory in
            let fileSystem = CrashSimulatingFileSystem()
            do {
                let store = try Self.storeWithEntries(through: 3, directory, fileSystem)
                fault.inject(into: fileSystem)
                #expect(throws: RaftStoreError.self) {
                    try store.persist(
                        hardState: HardState(term: 2, vote: 3, commit: 0), entries: [], snapshot: nil, mustSync: true)
                }
                store.close()
                try fileSystem.crash()
            }
            let state = try DiskRaftStore(directory: directory).load()
            #expect(state.hardState == HardState(term: 1, vote: 1, commit: 0))
            #expect(state.entries == Self.entries(1...3, term: 1))
        }
    }

    /// Power cut at every operation of one persist (WAL written and not synced among them):
    /// the entries synced before are all there, the batch survives as a prefix, all of it
    /// once `persist` returned.
    @Test func powerCutAtEveryPointOfAPersist() async throws {
        let all = Self.entries(1...5, term: 1, size: 300) + Self.entries(6...30, term: 2, size: 300)
        let crashPoints = try await Self.sweepPowerCuts { store in
            try store.persist(
                hardState: HardState(term: 1, vote: 1, commit: 0), entries: Array(all[..<5]), snapshot: nil,
                mustSync: true)
        } operation: { store in
            try store.persist(
                hardState: HardState(term: 2, vote: 1, commit: 5), entries: Array(all[5...]), snapshot: nil,
                mustSync: true)
        } check: { state, _, returned, k in
            #expect(state.entries.count >= (returned ? 30 : 5), "crash point \(k)")
            #expect(state.entries == Array(all.prefix(state.entries.count)), "crash point \(k)")
            if returned { #expect(state.hardState.term == 2, "crash point \(k)") }
        }
        print("DiskRaftStoreFaultTests: swept \(crashPoints) crash points of one persist")
        #expect(crashPoints > 5)
    }

    /// Power cut at every operation of a compaction (snapshot saved, then the covered WAL
    /// segments released), with unsynced removals kept or undone: the store reopens with
    /// either no snapshot and the whole log or the snapshot and the entries after it; no
    /// entry is lost either way. Some crash points leave the snapshot saved and the covered
    /// segments still on disk (the window between save and truncation).
    @Test(arguments: [false, true])
    func powerCutBetweenSnapshotSaveAndLogTruncation(undoingRemovals: Bool) async throws {
        var savedNotTruncated = 0
        var segmentsBefore = 0
        let crashPoints = try await Self.sweepPowerCuts(undoingRemovals: undoingRemovals) { store in
            for batch in 0..<10 {
                let first = UInt64(batch * 10 + 1)
                try store.persist(
                    hardState: batch == 0 ? HardState(term: 1, vote: 1, commit: 0) : nil,
                    entries: Self.entries(first...(first + 9), term: 1, size: 100), snapshot: nil, mustSync: true)
            }
            segmentsBefore = try Self.segmentCount(store.directory)
        } operation: { store in
            try store.compact(snapshot: Self.snapshot90)
        } check: { state, directory, returned, k in
            let snapshotIndex = state.snapshot?.metadata.index ?? 0
            #expect(snapshotIndex == 0 || snapshotIndex == 90, "crash point \(k)")
            if returned { #expect(snapshotIndex == 90) }
            #expect(
                state.entries == Self.entries((snapshotIndex + 1)...100, term: 1, size: 100),
                "crash point \(k): snapshot \(snapshotIndex), \(state.entries.count) entries")
            if snapshotIndex == 90, try Self.segmentCount(directory) == segmentsBefore { savedNotTruncated += 1 }
        }
        print(
            "DiskRaftStoreFaultTests: swept \(crashPoints) crash points of a compaction (undoing removals: "
                + "\(undoingRemovals)); \(savedNotTruncated) left the snapshot saved and the log not truncated")
        #expect(crashPoints > 3)
        #expect(savedNotTruncated > 0)
    }

    /// Power cut at every operation of a snapshot install on a follower holding entries
    /// 1...30 of term 1: a snapshot inside its log (index 20, a new term: the suffix
    /// conflicts) or past it (index 50). After recovery the store holds either its old log
    /// (possibly without the conflicting suffix, which was never committed) or the snapshot
    /// with no entry at or below its index, never a mix that fails to load.
    @Test(arguments: [UInt64(20), 50])
    func powerCutDuringSnapshotInstall(snapshotIndex: UInt64) async throws {
        let snapshot = Snapshot(metadata: .init(index: snapshotIndex, term: 2, voters: [1, 2, 3]), data: [7, 7])
        let old = Self.entries(1...30, term: 1, size: 100)
        let crashPoints = try await Self.sweepPowerCuts { store in
            try store.persist(
                hardState: HardState(term: 1, vote: 2, commit: 10), entries: old, snapshot: nil, mustSync: true)
        } operation: { store in
            try store.persist(
                hardState: HardState(term: 2, vote: 0, commit: snapshotIndex), entries: [], snapshot: snapshot,
                mustSync: true)
        } check: { state, _, returned, k in
            if let installed = state.snapshot {
                #expect(installed == snapshot, "crash point \(k)")
                #expect(state.entries.isEmpty, "crash point \(k): \(state.entries.count) entries")
            } else {
                #expect(!returned, "crash point \(k): persist returned but the snapshot is gone")
                #expect(state.entries == Array(old.prefix(state.entries.count)), "crash point \(k)")
                #expect(state.entries.count >= Int(min(snapshotIndex, 30)), "crash point \(k)")
            }
            if returned { #expect(state.hardState.term == 2, "crash point \(k)") }
            #expect(state.hardState.commit <= max(snapshotIndex, 10), "crash point \(k)")
        }
        print("DiskRaftStoreFaultTests: swept \(crashPoints) crash points of a snapshot install at \(snapshotIndex)")
        #expect(crashPoints > 3)
    }

    /// Sweeps every crash point of `operation`: for k = 0, 1, ... a new store (4 KiB
    /// segments, in a new directory) runs `prepare`, then `operation` with the power cut after
    /// k file-system operations, then the crash (unsynced removals undone if
    /// `undoingRemovals`); `check(state, directory, returned, k)` inspects what a reopened
    /// store loads. Stops at the first k where `operation` returned; returns the crash points.
    static func sweepPowerCuts(
        undoingRemovals: Bool = false, prepare: (DiskRaftStore) throws -> Void,
        operation: (DiskRaftStore) throws -> Void,
        check: (PersistedRaftState, String, Bool, Int) throws -> Void
    ) async throws -> Int {
        let limit = 300
        for k in 0..<limit {
            let returned = try await withTemporaryDirectory { directory -> Bool in
                let fileSystem = CrashSimulatingFileSystem()
                var returned = false
                do {
                    let store = try Self.open(directory, fileSystem)
                    _ = try store.load()
                    try prepare(store)
                    fileSystem.cutPower(afterOperations: k)
                    do {
                        try operation(store)
                        returned = true
                    } catch {
                        // The power cut.
                    }
                    try fileSystem.crash(undoingRemovals: { _ in undoingRemovals })
                    store.close()
                }
                try check(try Self.open(directory).load(), directory, returned, k)
                return returned
            }
            if returned { return k }
        }
        Issue.record("the operation did not complete within \(limit) file-system operations")
        return limit
    }

    /// A new store holding entries 1...`last` of term 1 and a vote for 1, synced.
    static func storeWithEntries(
        through last: UInt64, _ directory: String, _ fileSystem: CrashSimulatingFileSystem
    ) throws -> DiskRaftStore {
        let store = try DiskRaftStore(directory: directory, fileSystem: fileSystem)
        _ = try store.load()
        try store.persist(
            hardState: HardState(term: 1, vote: 1, commit: 0), entries: entries(1...last, term: 1), snapshot: nil,
            mustSync: true)
        return store
    }

    /// A store with 4 KiB WAL segments on `fileSystem`.
    static func open(_ directory: String, _ fileSystem: any FileSystem = PosixFileSystem()) throws -> DiskRaftStore {
        try DiskRaftStore(directory: directory, fileSystem: fileSystem, walConfig: smallSegments)
    }

    static func segmentCount(_ directory: String) throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: directory + "/wal").filter { $0.hasSuffix(".wal") }.count
    }
}
