/// What a Raft peer delivers to its service, in log order, exactly once per index.
public enum ApplyMessage: Sendable, Equatable {
    /// A committed command at `index`.
    case command(index: UInt64, term: UInt64, data: [UInt8])
    /// A committed entry with nothing for the service at `index`: a new leader's no-op or a
    /// membership change. The service's state does not change, but it has now applied through
    /// `index` (an idle group's last entry is often a no-op: a service that reported only its
    /// last command would look one entry behind its commit index for as long as it stays idle,
    /// and a proposal the no-op replaced would wait for the next command to be answered).
    case skipped(index: UInt64, term: UInt64)
    /// A snapshot from the leader that replaces the service state up to `index`; commands
    /// continue at `index + 1`.
    case snapshot(index: UInt64, term: UInt64, data: [UInt8])

    /// The log index the message stands for.
    public var index: UInt64 {
        switch self {
        case .command(let index, _, _), .skipped(let index, _), .snapshot(let index, _, _): index
        }
    }
}
