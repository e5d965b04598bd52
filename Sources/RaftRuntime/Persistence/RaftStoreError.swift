public import DurableStorage

/// Why a `RaftLogStore` failed. Every case stops the peer that met it.
public enum RaftStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Another open store (in this or another process) holds the data directory's lock.
    case locked(directory: String)
    /// The bytes on disk fail validation somewhere a torn write cannot explain (a corrupt
    /// record in the middle of the log, a bad snapshot or hard-state file, a gap in the
    /// log). The store refuses to open rather than silently lose acknowledged entries;
    /// restore the replica from a peer.
    case corrupt(reason: String)
    /// The device failed (open, write, fsync, rename...): the on-disk state is unknown.
    case io(WALError)

    public var description: String {
        switch self {
        case .locked(let directory): "the Raft data directory \(directory) is locked by another process"
        case .corrupt(let reason): "corrupt Raft storage: \(reason)"
        case .io(let error): "Raft storage I/O failed: \(error)"
        }
    }

    /// Sorts a durable-storage error into the three kinds above.
    static func from(_ error: WALError) -> RaftStoreError {
        switch error {
        case .corruptRecord, .inconsistentSegments, .corruptFile: .corrupt(reason: error.description)
        case .locked(let path): .locked(directory: path)
        default: .io(error)
        }
    }
}
