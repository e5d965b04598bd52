/// A write-ahead log of opaque records, stored as a directory of segment files.
///
/// Each record carries a one-byte type tag, a 64-bit sequence number chosen by the caller
/// (for a Raft log: the entry index) and an opaque payload. The log knows nothing about what
/// the records mean; the Raft runtime layers entries and hard state on top.
///
/// ## Contract
///
/// * **Owner and thread confinement.** One owner (an actor, or one thread) creates the log
///   with `init`, calls every method, and `close`s it. The class has no locks and is
///   deliberately not `Sendable`; it may be created inside an actor and used only there.
///   At most one `WriteAheadLog` may be open on a directory at a time (not enforced: there
///   is no lock file).
/// * **Sequence numbers** strictly increase along the log (gaps are allowed). Violations are
///   programmer errors and trap. `truncateSuffix` lowers the last sequence again. (Raft hard
///   state, which has no index of its own, belongs in a `HardStateFile`, not in the log.)
/// * **Durability.** `append` writes records into the OS page cache and returns; they are
///   durable only after the next `sync()` returns, which issues one `fdatasync` for the whole
///   batch ("one fsync per batch, not per entry"). After a crash the log holds every record
///   that was appended before the last successful `sync()`, possibly some later ones, in
///   order, and nothing else (a prefix of what was appended). `truncateSuffix` and
///   `truncatePrefix` are durable when they return.
/// * **Recovery** happens in `init`: segments are scanned in order; a torn tail (an
///   incomplete or checksum-failing record at the end of the last segment, followed by
///   nothing valid) is cut off and described in `recoveryReport`; any other damage throws
///   `WALError.corruptRecord` or `WALError.inconsistentSegments` and is never skipped.
///   If the OS persisted an unsynced batch out of order (a later page written, an earlier
///   one not), the hole (a zero-filled page) is followed by valid records; that is cut like a
///   torn tail unless a later sync marker proves the hole lies in synced bytes (see
///   `tornWriteRefusal` for the safety argument). Sync markers are small records the log
///   adds at the start of a batch when a sync happened since the last one; they are skipped
///   by reads.
/// * **Failures.** After an I/O error in `append`, `sync`, or a truncation, the on-disk state
///   is unknown, so the log refuses further work (`WALError.unusable`); reopen it.
///
/// ## Layout
///
/// Segment files are named by the sequence of their first record as sixteen hex digits
/// (`0000000000000001.wal`); see `WALFormat` for the byte layout. A new segment starts when
/// the next record would push the current one past `Config.segmentSizeBytes`. Before a
/// segment is started, the previous one is cut to the end of its records and `fdatasync`ed,
/// and the new file's header is synced together with its directory entry, so only the last
/// segment can ever have a torn tail.
///
/// **Preallocation** (`Config.preallocatesSegments`, on by default; etcd does the same): a segment
/// file is allocated ahead of its records (`FileSystem.allocate`) in steps of
/// `Config.preallocationStepBytes`, never past `segmentSizeBytes`: the first step when the
/// segment is created (synced with its header), the next when a write would pass the allocated
/// end. Appends then write into zeros, so a `sync()` flushes data without a file size to commit,
/// except once per step (measured on ext4: `Scripts/bench-wal.sh`). Steps rather than the whole
/// segment at once: a log holding a few records then costs a step of disk and of recovery read,
/// not 64 MiB, and freeing unwritten space (at a cut, or when a test removes its directory) stays
/// small; on a file system mounted with `discard` freeing space stalls everyone's `fsync`.
/// Recovery takes the zeros after the last record of such a segment for free space, not damage
/// (see `WALFormat`).
public final class WriteAheadLog {
    /// One log record. `payload` must not exceed `Config.maxRecordBytes`.
    public struct Record: Equatable, Sendable {
        public var type: UInt8
        public var sequence: UInt64
        public var payload: [UInt8]

        public init(type: UInt8, sequence: UInt64, payload: [UInt8]) {
            self.type = type
            self.sequence = sequence
            self.payload = payload
        }
    }

    /// Limits, validated once when the log is opened.
    public struct Config: Equatable, Sendable {
        /// A segment file is never larger than this (header and record framing included).
        /// etcd uses 64 MiB.
        public var segmentSizeBytes: Int
        /// Largest accepted record payload. Must leave room for the segment header and the
        /// record framing within `segmentSizeBytes`.
        public var maxRecordBytes: Int
        /// Whether segment files are allocated ahead of their records (see "Preallocation" above).
        /// Off, segments grow with each append, as logs of older versions did.
        public var preallocatesSegments: Bool
        /// How far ahead of the records a segment file is allocated, in one step: at most one
        /// `sync()` per step commits a file size.
        public var preallocationStepBytes: Int

        public init(
            segmentSizeBytes: Int = 64 << 20, maxRecordBytes: Int = 8 << 20, preallocatesSegments: Bool = true,
            preallocationStepBytes: Int = 4 << 20
        ) {
            self.segmentSizeBytes = segmentSizeBytes
            self.maxRecordBytes = maxRecordBytes
            self.preallocatesSegments = preallocatesSegments
            self.preallocationStepBytes = preallocationStepBytes
        }

        public func validate() throws(WALError) {
            guard preallocationStepBytes > 0 else {
                throw .invalidConfiguration(
                    reason: "preallocationStepBytes must be positive, is \(preallocationStepBytes)")
            }
            guard maxRecordBytes > 0 else {
                throw .invalidConfiguration(
                    reason: "maxRecordBytes must be positive, is \(maxRecordBytes)")
            }
            guard maxRecordBytes <= Int(UInt32.max) - WALFormat.bodyPrefixBytes else {
                throw .invalidConfiguration(
                    reason: "maxRecordBytes \(maxRecordBytes) exceeds the 32-bit length field")
            }
            let needed =
                WALFormat.segmentHeaderBytes + WALFormat.encodedSize(payloadBytes: maxRecordBytes)
            guard segmentSizeBytes >= needed else {
                throw .invalidConfiguration(
                    reason:
                        "segmentSizeBytes \(segmentSizeBytes) cannot hold one record of maxRecordBytes \(maxRecordBytes) (needs \(needed))"
                )
            }
        }
    }

    /// What `init` found and repaired.
    public struct RecoveryReport: Equatable, Sendable {
        /// Segment files present after recovery.
        public var segmentCount = 0
        /// Valid records found.
        public var recordCount = 0
        /// Bytes cut off the end of the last segment (torn tail), or 0.
        public var bytesTruncated: Int64 = 0
        /// The segment file that was cut, and at which offset, and why.
        public var truncatedSegment: String?
        public var truncatedAtOffset: Int64?
        public var truncationReason: String?
        /// Last segments removed because they held no complete record (a crash right after a
        /// segment was started, or a torn header).
        public var removedSegments: [String] = []

        public init() {}
    }

    /// Counters for tests and benchmarks ("fsyncs per commit").
    public struct Statistics: Equatable, Sendable {
        /// Calls to `sync()`.
        public var syncCalls = 0
        /// `fdatasync`s on segment files (by `sync()`, at segment roll-over, truncation and
        /// preallocation).
        public var dataSyncs = 0
        /// `fsync`s of the log directory (segment creation and removal).
        public var directorySyncs = 0
        public var recordsAppended = 0
        /// Encoded bytes written by `append` (framing included).
        public var bytesAppended = 0
        public var segmentsCreated = 0
        /// Preallocation steps (`FileSystem.allocate` calls).
        public var allocations = 0

        public init() {}
    }

    /// A segment file as the log tracks it in memory.
    struct Segment {
        var name: String
        var ordinal: UInt64
        var firstSequence: UInt64
        /// nil only while a new last segment holds no record yet.
        var lastSequence: UInt64?
        var size: Int64
        /// Whether the segment's header allows sync markers (segments of older versions not).
        var recordsSyncMarkers = true
        /// Whether the segment's header says it was preallocated (zeros after its records are free).
        var isPreallocated = false
    }

    public let directory: String
    public let config: Config
    let fileSystem: any FileSystem
    var segments: [Segment] = []
    /// Open handle on `segments.last`, nil when there are no segments.
    var activeHandle: OpenFile?
    /// Length of the file of `segments.last`: its `size` (the end of its records), or more where it
    /// was allocated ahead.
    var activeFileBytes: Int64 = 0
    /// The directory lock, held from `init` to `close`.
    var lockHandle: OpenFile?
    var nextOrdinal: UInt64 = 0
    /// Whether `segments.last` has writes not yet synced.
    var dirty = false
    /// Bytes of `segments.last` known durable (synced), and the highest such count a sync
    /// marker in it records; a batch after a sync starts with a marker when they differ.
    var activeDurableBytes: Int64 = 0
    var activeMarkedBytes: Int64 = 0
    var failure: WALError?
    var isClosed = false

    public private(set) var recoveryReport = RecoveryReport()
    public internal(set) var statistics = Statistics()

    /// Opens (creating if needed) the log in `directory` and recovers it; see the type's
    /// contract. On return the log is ready for `append`; read the recovered records with
    /// `readAll()` and what was repaired in `recoveryReport`.
    ///
    /// - Throws: `invalidConfiguration`, `locked` (another log has the directory open),
    ///   `corruptRecord`, `inconsistentSegments`, `io`. A failed `init` releases the lock.
    public init(
        directory: String, config: Config = Config(),
        fileSystem: any FileSystem = PosixFileSystem()
    ) throws(WALError) {
        try config.validate()
        self.directory = directory
        self.config = config
        self.fileSystem = fileSystem
        try fileSystem.createDirectory(directory)
        // Make the directory's own entry durable (a no-op cost if it already existed).
        try fileSystem.syncDirectory(parentDirectory(of: directory))
        lockHandle = try fileSystem.lockFile(joinPath(directory, Self.lockFileName))
        recoveryReport = try recover()
    }

    /// Name of the lock file inside the log directory.
    public static let lockFileName = "LOCK"

    deinit {
        if let activeHandle { try? fileSystem.close(activeHandle) }
        if let lockHandle { try? fileSystem.close(lockHandle) }
    }

    /// Sequence of the first record in the oldest segment, nil if the log is empty. After
    /// `truncatePrefix(before: s)` this can still be below `s` (whole segments only).
    public var firstSequence: UInt64? {
        segments.first { $0.lastSequence != nil }?.firstSequence
    }

    /// Sequence of the last record, nil if the log is empty.
    public var lastSequence: UInt64? {
        segments.last?.lastSequence
    }

    /// File names of the segments, oldest first.
    public var segmentNames: [String] { segments.map(\.name) }

    /// Writes `records` after the current last record, without syncing. Records go to the
    /// page cache in one `pwrite` per segment touched; call `sync()` to make them durable.
    ///
    /// - Precondition: sequences strictly increase, also relative to `lastSequence`.
    /// - Throws: `recordTooLarge` (nothing written, the log stays usable); `io` (the log
    ///   becomes unusable).
    public func append(_ records: [Record]) throws(WALError) {
        try checkUsable()
        var previous = lastSequence
        for record in records {
            if record.payload.count > config.maxRecordBytes {
                throw .recordTooLarge(
                    payloadBytes: record.payload.count, maxRecordBytes: config.maxRecordBytes)
            }
            if let previous {
                precondition(
                    record.sequence > previous,
                    "WAL sequence went backwards: \(record.sequence) after \(previous)")
            }
            previous = record.sequence
        }
        try poisoningOnFailure { () throws(WALError) in try appendValidated(records) }
    }

    private func appendValidated(_ records: [Record]) throws(WALError) {
        var buffer: [UInt8] = []
        let total = records.reduce(0) { $0 + WALFormat.encodedSize(payloadBytes: $1.payload.count) }
        buffer.reserveCapacity(min(total, config.segmentSizeBytes))
        var bufferLast: UInt64?
        if let first = records.first, activeHandle != nil, let active = segments.last,
            active.recordsSyncMarkers, activeDurableBytes > activeMarkedBytes,
            active.size + Int64(WALFormat.syncMarkerBytes)
                + Int64(WALFormat.encodedSize(payloadBytes: first.payload.count))
                <= Int64(config.segmentSizeBytes)
        {
            // The first record stays in this segment, so the marker is never alone in it.
            WALFormat.encodeSyncMarker(durableBytes: activeDurableBytes, into: &buffer)
            activeMarkedBytes = activeDurableBytes
        }
        for record in records {
            let size = WALFormat.encodedSize(payloadBytes: record.payload.count)
            let activeSize = (segments.last?.size ?? 0) + Int64(buffer.count)
            if activeHandle == nil || activeSize + Int64(size) > Int64(config.segmentSizeBytes) {
                try flush(&buffer, last: bufferLast)
                try startSegment(firstSequence: record.sequence)
            }
            WALFormat.encode(record, into: &buffer)
            bufferLast = record.sequence
        }
        try flush(&buffer, last: bufferLast)
        statistics.recordsAppended += records.count
    }

    /// Writes the encoded records in `buffer` at the end of the active segment.
    private func flush(_ buffer: inout [UInt8], last: UInt64?) throws(WALError) {
        guard !buffer.isEmpty, let handle = activeHandle, let last else { return }
        let index = segments.count - 1
        let end = segments[index].size + Int64(buffer.count)
        if end > activeFileBytes && config.preallocatesSegments && segments[index].isPreallocated {
            // The next step; its size is committed by the next sync, which also covers the records.
            try allocateActiveSegment(upTo: end, handle)
        }
        try fileSystem.write(handle, buffer, at: segments[index].size)
        segments[index].size += Int64(buffer.count)
        segments[index].lastSequence = last
        activeFileBytes = max(activeFileBytes, segments[index].size)
        statistics.bytesAppended += buffer.count
        dirty = true
        buffer.removeAll(keepingCapacity: true)
    }

    /// Seals the active segment (cut to the end of its records, fdatasync, close) and creates
    /// the next one, preallocated if so configured, with a synced header, size and directory
    /// entry.
    ///
    /// Safety argument: recovery refuses anything but records in a sealed (non-last) segment,
    /// so a preallocated segment's free tail must be gone, durably, before a later segment can
    /// exist. The cut and the `fdatasync` that commits it come first; the next segment's
    /// directory entry is created after them and made durable after its own sync, so a crash
    /// at any point leaves every non-last segment cut, and the last one either cut or ending
    /// in zeros, which recovery reads as free space.
    private func startSegment(firstSequence: UInt64) throws(WALError) {
        if let handle = activeHandle, let active = segments.last {
            var needsSync = dirty
            if activeFileBytes > active.size {
                try fileSystem.truncate(handle, to: active.size)
                activeFileBytes = active.size
                needsSync = true
            }
            if needsSync {
                try fileSystem.syncData(handle)
                statistics.dataSyncs += 1
                dirty = false
            }
            activeHandle = nil
            try fileSystem.close(handle)
        }
        let name = WALFormat.segmentName(firstSequence: firstSequence)
        let path = joinPath(directory, name)
        let handle = try fileSystem.open(path, mode: .createExclusive)
        activeHandle = handle
        let preallocated = config.preallocatesSegments
        let header = WALFormat.encodeSegmentHeader(
            ordinal: nextOrdinal, firstSequence: firstSequence, preallocated: preallocated)
        activeFileBytes = 0
        if preallocated { try allocateActiveSegment(upTo: Int64(header.count), handle) }
        try fileSystem.write(handle, header, at: 0)
        activeFileBytes = max(activeFileBytes, Int64(header.count))
        try fileSystem.syncData(handle)
        try fileSystem.syncDirectory(directory)
        statistics.dataSyncs += 1
        statistics.directorySyncs += 1
        statistics.segmentsCreated += 1
        segments.append(
            Segment(
                name: name, ordinal: nextOrdinal, firstSequence: firstSequence, lastSequence: nil,
                size: Int64(header.count), isPreallocated: preallocated))
        activeDurableBytes = Int64(header.count)
        activeMarkedBytes = Int64(header.count)
        nextOrdinal += 1
    }

    /// Allocates the active segment's file up to the first step boundary at or past `end` (not
    /// past `segmentSizeBytes`; `end` itself fits, as roll-over guarantees).
    private func allocateActiveSegment(upTo end: Int64, _ handle: OpenFile) throws(WALError) {
        let step = Int64(config.preallocationStepBytes)
        let target = max(min((end + step - 1) / step * step, Int64(config.segmentSizeBytes)), end)
        try fileSystem.allocate(handle, upTo: target)
        statistics.allocations += 1
        activeFileBytes = target
    }

    /// Makes every appended record durable with one `fdatasync` of the active segment (earlier
    /// segments were synced when they were sealed). Call once per batch, before acknowledging
    /// anything that depends on the batch (for Raft: before sending messages or a vote).
    ///
    /// - Throws: `io` (the log becomes unusable: the batch may or may not be on disk).
    public func sync() throws(WALError) {
        try checkUsable()
        statistics.syncCalls += 1
        guard dirty, let handle = activeHandle else { return }
        try poisoningOnFailure { () throws(WALError) in
            try fileSystem.syncData(handle)
            statistics.dataSyncs += 1
            dirty = false
            activeDurableBytes = segments.last!.size
        }
    }

    /// Closes the active segment. Unsynced records may or may not survive; call `sync()`
    /// first. Further calls trap.
    public func close() throws(WALError) {
        precondition(!isClosed, "WriteAheadLog closed twice")
        isClosed = true
        let handle = activeHandle
        activeHandle = nil
        let lock = lockHandle
        lockHandle = nil
        defer { if let lock { try? fileSystem.close(lock) } }
        if let handle { try fileSystem.close(handle) }
    }

    func checkUsable() throws(WALError) {
        precondition(!isClosed, "WriteAheadLog used after close()")
        if let failure { throw .unusable(cause: failure) }
    }

    /// Runs `body`; if it throws, remembers the error so the log refuses later work.
    func poisoningOnFailure(_ body: () throws(WALError) -> Void) throws(WALError) {
        do throws(WALError) {
            try body()
        } catch {
            failure = error
            throw error
        }
    }
}
