public import DurableStorage
public import Raft
import CoreMetrics
import RPCCore
import RPCProtobuf
import Foundation

/// A ``RaftLogStore`` on disk, built from `DurableStorage`, all under one data directory:
///
/// ```
/// <directory>/LOCK        locked while the store is open (one holder per directory; PosixLockTable)
/// <directory>/wal/        WriteAheadLog segments: one record per entry (sequence = index)
/// <directory>/hardstate   term, vote, commit (HardStateFile: temp + fsync + rename)
/// <directory>/snapshots/  SnapshotStore files: an encoded `skv.raft.Snapshot`
/// ```
///
/// Durability of one `persist` (one `Ready`):
/// 1. A snapshot received from the leader: the WAL suffix after its index is truncated
///    (durably; those entries conflict with the leader's log, so none was committed), the
///    snapshot is saved atomically, then whole WAL segments before it are released.
/// 2. Entries: a conflicting suffix is truncated (durably), the new entries are appended
///    to the page cache, and **one** `fdatasync` covers the whole batch.
/// 3. Hard state: rewritten (two fsyncs: file and directory) only when the term or the
///    vote changed. A commit-only change is kept in memory and written with the next
///    term/vote change: after a restart the commit index may lag, and the node re-delivers
///    entries after the snapshot, which the service (restored from that snapshot) applies
///    again in order. It never runs ahead of the log on disk (entries are synced first).
///
/// Recovery (`init`): the WAL cuts a torn tail (an incomplete or checksum-failing last
/// record, or an unsynced page lost out of order: appends that were never acknowledged) and
/// refuses any other damage with ``RaftStoreError/corrupt(reason:)``; `load()` also refuses
/// a gap in the log.
///
/// Failures (a full disk, `EIO` on write or fsync): the first error of `persist` or `compact`
/// is final. The store rethrows it on every later call and `close` writes nothing more, so the
/// owning peer stops and never acknowledges a batch that may not be on disk. This follows
/// PostgreSQL's "fsyncgate" lesson: after a failed `fsync` Linux may have dropped the dirty
/// pages and cleared the error, so a retried `fsync` (on this or another descriptor) can
/// report success for data that is gone. Nothing is retried; recovery is a restart, which
/// reads back only what is on disk (the WAL cuts an unsynced, torn tail).
///
/// Confinement: owned by one `RaftPeer` and called synchronously on its actor, so the file
/// system calls (fsync included) block that actor while they run.
public final class DiskRaftStore: RaftLogStore {
    /// Type tag of entry records in the WAL.
    static let entryRecordType: UInt8 = 1
    /// Bytes of an entry record payload before the entry's data: term (8) and kind (1).
    static let entryHeaderBytes = 9

    /// The data directory (see the layout above).
    public let directory: String

    /// The file of the snapshot at log `index` in the data directory `directory` (for messages
    /// naming it).
    public static func snapshotFile(directory: String, index: UInt64) -> String {
        snapshotsDirectory(of: directory) + "/" + SnapshotStore.fileName(sequence: index)
    }

    private static func snapshotsDirectory(of directory: String) -> String { directory + "/snapshots" }
    private let fileSystem: any FileSystem
    private let lock: OpenFile
    private let wal: WriteAheadLog
    private let hardStateFile: HardStateFile
    /// Shared with ``snapshotWriter``, which saves from another thread.
    private let snapshots: LockedSnapshotStore
    private var savedHardState = Raft.HardState.empty
    private var pendingHardState = Raft.HardState.empty
    private var snapshotIndex: UInt64 = 0
    /// Payload bytes of each entry record after the snapshot, by index - `snapshotIndex` - 1.
    private var entrySizes: [Int] = []
    private var entryBytes = 0
    private var isClosed = false
    /// The first error `persist` or `compact` met; every later call rethrows it.
    private var failure: RaftStoreError?
    /// Latency of the WAL's `fdatasync` per persisted batch (`skv_wal_fsync_duration_seconds`).
    private let fsyncDuration = Timer(label: "skv_wal_fsync_duration_seconds", preferredDisplayUnit: .seconds)

    /// Opens (creating if needed) the store in `directory` and recovers its WAL.
    ///
    /// - Throws: `.locked` if another store has the directory open, `.corrupt` for damage a
    ///   crash cannot explain, `.io`.
    public init(
        directory: String, fileSystem: any FileSystem = PosixFileSystem(),
        walConfig: WriteAheadLog.Config = WriteAheadLog.Config()
    ) throws(RaftStoreError) {
        self.directory = directory
        self.fileSystem = fileSystem
        do {
            try fileSystem.createDirectory(directory)
            // The data directory's own entry: without this, a crash can lose the whole
            // directory (and every synced file in it) if it was just created.
            try fileSystem.syncDirectory(parentDirectory(of: directory))
            lock = try fileSystem.lockFile(directory + "/LOCK")
        } catch {
            if case .locked = error { throw .locked(directory: directory) }
            throw .from(error)
        }
        do {
            wal = try WriteAheadLog(directory: directory + "/wal", config: walConfig, fileSystem: fileSystem)
            snapshots = LockedSnapshotStore(
                try SnapshotStore(directory: Self.snapshotsDirectory(of: directory), fileSystem: fileSystem))
            hardStateFile = HardStateFile(path: directory + "/hardstate", fileSystem: fileSystem)
            snapshotWriter = fileSystem is PosixFileSystem ? DiskSnapshotWriter(snapshots: snapshots) : nil
            snapshotReader = fileSystem is PosixFileSystem ? DiskSnapshotReader(snapshots: snapshots) : nil
            try hardStateFile.file.removeLeftoverTemporaryFile()
        } catch {
            try? fileSystem.close(lock)
            throw .from(error)
        }
    }

    deinit {
        close()
    }

    public func load() throws(RaftStoreError) -> PersistedRaftState {
        var state = PersistedRaftState()
        do {
            if let latest = try snapshots.withStore({ store throws(WALError) in try store.loadLatest() }) {
                state.snapshot = try Self.decodeSnapshot(latest)
            }
            if let hard = try hardStateFile.load() {
                guard RaftLimits.accepts(hard.term, hard.commit) else {
                    throw RaftStoreError.corrupt(
                        reason: "hard state term \(hard.term) or commit \(hard.commit) exceeds "
                            + "\(RaftLimits.maxTermOrIndex)")
                }
                state.hardState = Raft.HardState(term: hard.term, vote: hard.vote, commit: hard.commit)
            }
            let first = (state.snapshot?.metadata.index ?? 0) + 1
            for record in try wal.readAll() where record.sequence >= first {
                guard record.type == Self.entryRecordType else {
                    throw RaftStoreError.corrupt(reason: "WAL record \(record.sequence) has type \(record.type)")
                }
                let expected = state.entries.last.map { $0.index + 1 } ?? first
                guard record.sequence == expected else {
                    throw RaftStoreError.corrupt(
                        reason: "the log has a gap: entry \(record.sequence) where \(expected) was expected")
                }
                state.entries.append(try Self.decodeEntry(record.payload, index: record.sequence))
            }
        } catch let error as RaftStoreError {
            throw error
        } catch let error as WALError {
            throw .from(error)
        } catch {
            throw .corrupt(reason: "\(error)")
        }
        snapshotIndex = state.snapshot?.metadata.index ?? 0
        entrySizes = state.entries.map { Self.entryHeaderBytes + $0.data.count }
        entryBytes = entrySizes.reduce(0, +)
        // The commit index is written lazily, never ahead of the synced log; a snapshot is
        // committed by definition.
        let lastIndex = state.entries.last?.index ?? snapshotIndex
        if !state.hardState.isEmpty {
            state.hardState.commit = min(max(state.hardState.commit, snapshotIndex), lastIndex)
        }
        savedHardState = state.hardState
        pendingHardState = state.hardState
        return state
    }

    public func persist(hardState: Raft.HardState?, entries: [Entry], snapshot: Snapshot?, mustSync: Bool)
        throws(RaftStoreError)
    {
        if let failure { throw failure }
        do {
            if let snapshot {
                try wal.truncateSuffix(after: snapshot.metadata.index)
                try save(snapshot)
                entrySizes = []
                entryBytes = 0
            }
            let fresh = entries.drop(while: { $0.index <= snapshotIndex })
            if let first = fresh.first {
                if let last = wal.lastSequence, last >= first.index {
                    try wal.truncateSuffix(after: first.index - 1)
                }
                let kept = Int(first.index - snapshotIndex - 1)
                if kept < entrySizes.count {
                    entryBytes -= entrySizes[kept...].reduce(0, +)
                    entrySizes.removeSubrange(kept...)
                }
                var records: [WriteAheadLog.Record] = []
                records.reserveCapacity(fresh.count)
                for entry in fresh {
                    let payload = Self.encodeEntry(entry)
                    entrySizes.append(payload.count)
                    entryBytes += payload.count
                    records.append(.init(type: Self.entryRecordType, sequence: entry.index, payload: payload))
                }
                try wal.append(records)
                try syncLog()
            } else if mustSync {
                try syncLog()
            }
            if let hardState {
                pendingHardState = hardState
                if hardState.term != savedHardState.term || hardState.vote != savedHardState.vote {
                    try writeHardState()
                }
            }
        } catch {
            failure = .from(error)
            throw .from(error)
        }
    }

    public func compact(snapshot: Snapshot) throws(RaftStoreError) {
        let index = snapshot.metadata.index
        if let failure { throw failure }
        guard index > snapshotIndex else { return }
        let dropped = min(Int(index - snapshotIndex), entrySizes.count)
        do {
            try save(snapshot)
        } catch {
            failure = .from(error)
            throw .from(error)
        }
        entryBytes -= entrySizes[..<dropped].reduce(0, +)
        entrySizes.removeFirst(dropped)
    }

    /// Payload bytes of the entries after the snapshot, plus the 24 bytes of hard state.
    public var raftStateBytes: Int { entryBytes + 24 }

    /// Writes the pending commit index (if it moved, and no write failed), closes the WAL and
    /// releases the lock. Errors are ignored: everything acknowledged was synced before.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        if failure == nil && pendingHardState != savedHardState { try? writeHardState() }
        try? wal.close()
        try? fileSystem.close(lock)
    }

    /// Saves `snapshot` atomically, then releases the WAL segments it covers (in this
    /// order: the entries must stay until the snapshot that replaces them is durable).
    private func save(_ snapshot: Snapshot) throws(WALError) {
        try snapshots.save(snapshot)
        try releaseLog(through: snapshot.metadata.index)
    }

    private func releaseLog(through index: UInt64) throws(WALError) {
        snapshotIndex = index
        try wal.truncatePrefix(before: index + 1)
    }

    /// With the POSIX file system (which any thread may use), a writer of snapshot files that
    /// shares this store's snapshot directory (saves are serialized by a lock); `nil` with any
    /// other file system (the crash simulators are confined to one thread).
    public let snapshotWriter: (any RaftSnapshotWriter)?
    /// With the POSIX file system, a reader of this store's snapshot files (as
    /// ``snapshotWriter``, under the same lock); `nil` otherwise.
    public let snapshotReader: (any RaftSnapshotReader)?

    public func compactWritten(snapshot: Snapshot) throws(RaftStoreError) {
        let index = snapshot.metadata.index
        if let failure { throw failure }
        // A leader's newer snapshot may have been installed since the file was written.
        guard index > snapshotIndex else { return }
        let dropped = min(Int(index - snapshotIndex), entrySizes.count)
        do {
            try releaseLog(through: index)
        } catch {
            failure = .from(error)
            throw .from(error)
        }
        entryBytes -= entrySizes[..<dropped].reduce(0, +)
        entrySizes.removeFirst(dropped)
    }

    /// Syncs the WAL, timing the sync.
    private func syncLog() throws(WALError) {
        let start = ContinuousClock.now
        try wal.sync()
        fsyncDuration.recordDuration(ContinuousClock.now - start)
    }

    private func writeHardState() throws(WALError) {
        let state = pendingHardState
        try hardStateFile.save(DurableStorage.HardState(term: state.term, vote: state.vote, commit: state.commit))
        savedHardState = state
    }

    /// Entry record payload: term (UInt64 LE), kind (1 byte), data.
    static func encodeEntry(_ entry: Entry) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(entryHeaderBytes + entry.data.count)
        withUnsafeBytes(of: entry.term.littleEndian) { bytes.append(contentsOf: $0) }
        let kind: UInt8 =
            switch entry.kind {
            case .normal: 0
            case .noop: 1
            case .configChange: 2
            }
        bytes.append(kind)
        bytes.append(contentsOf: entry.data)
        return bytes
    }

    static func decodeEntry(_ bytes: [UInt8], index: UInt64) throws(RaftStoreError) -> Entry {
        guard bytes.count >= entryHeaderBytes else {
            throw .corrupt(reason: "entry \(index) record has \(bytes.count) bytes")
        }
        var term: UInt64 = 0
        for k in 0..<8 { term |= UInt64(bytes[k]) << (8 * UInt64(k)) }
        guard RaftLimits.accepts(term, index) else {
            throw .corrupt(
                reason: "entry \(index) has term \(term); terms and indexes stop at \(RaftLimits.maxTermOrIndex)")
        }
        let kind: Entry.Kind
        switch bytes[8] {
        case 0: kind = .normal
        case 1: kind = .noop
        case 2: kind = .configChange
        default: throw .corrupt(reason: "entry \(index) has unknown kind \(bytes[8])")
        }
        return Entry(term: term, index: index, kind: kind, data: Array(bytes[entryHeaderBytes...]))
    }
}

/// A `SnapshotStore` behind a lock, so that ``DiskSnapshotWriter`` can save from its own thread.
///
/// `@unchecked Sendable` proof: `store` is used only inside `withStore`, which holds `lock`
/// for the whole use; the store's file system is then the POSIX one, a stateless `Sendable`
/// struct (``DiskRaftStore`` offers the writer for no other), so two threads never use one
/// store or one file-system object at once.
final class LockedSnapshotStore: @unchecked Sendable {
    private let lock = NSLock()
    private let store: SnapshotStore

    init(_ store: SnapshotStore) {
        self.store = store
    }

    func withStore<Result>(_ body: (SnapshotStore) throws(WALError) -> Result) throws(WALError) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(store)
    }

    /// Encodes `snapshot` (outside the lock) and saves it durably: the file holds
    /// `skv.raft.Snapshot`, written as its metadata and `data`'s field header followed by
    /// `data` itself (``WireSnapshot/encodedChunks(_:)``), so no copy of the data is made.
    func save(_ snapshot: Snapshot) throws(WALError) {
        let chunks = WireSnapshot.encodedChunks(snapshot)
        try withStore { store throws(WALError) in
            try store.save(sequence: snapshot.metadata.index, dataChunks: chunks)
        }
    }
}

extension DiskRaftStore {
    /// The Raft snapshot a snapshot file holds; its index must be the file's sequence.
    static func decodeSnapshot(_ file: SnapshotStore.Snapshot) throws(RaftStoreError) -> Snapshot {
        let snapshot: Snapshot
        do {
            snapshot = try ProtobufDeserializer<WireSnapshot>().deserialize(file.data).snapshot
        } catch {
            throw RaftStoreError.corrupt(reason: "snapshot \(file.sequence) cannot be decoded: \(error)")
        }
        guard snapshot.metadata.index == file.sequence else {
            throw RaftStoreError.corrupt(
                reason: "snapshot file \(file.sequence) holds index \(snapshot.metadata.index)")
        }
        return snapshot
    }
}

/// ``RaftSnapshotReader`` of a ``DiskRaftStore``: loads (checksums checked) and decodes a
/// snapshot file.
struct DiskSnapshotReader: RaftSnapshotReader {
    let snapshots: LockedSnapshotStore

    func read(index: UInt64) throws(RaftStoreError) -> Snapshot {
        let file: SnapshotStore.Snapshot
        do {
            file = try snapshots.withStore { store throws(WALError) in try store.load(sequence: index) }
        } catch {
            throw .from(error)
        }
        return try DiskRaftStore.decodeSnapshot(file)
    }
}

/// ``RaftSnapshotWriter`` of a ``DiskRaftStore``: encodes and saves the snapshot file.
struct DiskSnapshotWriter: RaftSnapshotWriter {
    let snapshots: LockedSnapshotStore

    func write(_ snapshot: Snapshot) throws(RaftStoreError) {
        do {
            try snapshots.save(snapshot)
        } catch {
            throw .from(error)
        }
    }
}
