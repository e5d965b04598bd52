/// Operating errors of the durable-storage layer (write-ahead log, snapshot store, atomic
/// files). Programmer errors (sequence numbers going backwards, using a closed log) are
/// preconditions instead.
///
/// Each case names what failed and where; `description` renders one line for logs.
public enum WALError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed. `operation` is the call (`"open"`, `"fdatasync"`, ...), `errno`
    /// its error number and `message` the `strerror` text.
    case io(operation: String, path: String, errno: Int32, message: String)

    /// A record (or segment header, offset 0) failed validation at `offset` bytes into the
    /// segment file `segment`, somewhere a torn write cannot explain: the log refuses to open
    /// rather than skip it. Needs an operator (restore the replica from a peer or snapshot).
    case corruptRecord(segment: String, offset: Int64, reason: String)

    /// The set of segment files is not a chain: a segment is missing, out of order, misnamed
    /// or its sequence numbers go backwards relative to its predecessor.
    case inconsistentSegments(directory: String, reason: String)

    /// `append` was given a payload larger than `Config.maxRecordBytes`; nothing was written.
    case recordTooLarge(payloadBytes: Int, maxRecordBytes: Int)

    /// A `Config` value failed validation.
    case invalidConfiguration(reason: String)

    /// A snapshot or atomic file exists but its header or checksum is wrong.
    case corruptFile(path: String, reason: String)

    /// Another open log (in this or another process) holds the directory's lock file.
    case locked(path: String)

    /// An earlier I/O failure left the log's on-disk state unknown (after a failed
    /// `fdatasync` the kernel may have dropped dirty pages: see PostgreSQL's "fsyncgate"), so
    /// every later call fails. Reopen the log to recover from what is on disk.
    indirect case unusable(cause: WALError)

    public var description: String {
        switch self {
        case .io(let operation, let path, let errno, let message):
            return "\(operation)(\(path)) failed: errno \(errno) (\(message))"
        case .corruptRecord(let segment, let offset, let reason):
            return "corrupt record in segment \(segment) at offset \(offset): \(reason)"
        case .inconsistentSegments(let directory, let reason):
            return "inconsistent WAL segments in \(directory): \(reason)"
        case .recordTooLarge(let payloadBytes, let maxRecordBytes):
            return
                "record payload of \(payloadBytes) bytes exceeds maxRecordBytes \(maxRecordBytes)"
        case .invalidConfiguration(let reason):
            return "invalid configuration: \(reason)"
        case .corruptFile(let path, let reason):
            return "corrupt file \(path): \(reason)"
        case .locked(let path):
            return "\(path) is locked by another open log"
        case .unusable(let cause):
            return "log unusable after earlier failure: \(cause)"
        }
    }
}
