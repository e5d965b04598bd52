/// What a Raft peer delivers to its service, in log order, exactly once per index.
public enum ApplyMessage: Sendable, Equatable {
    /// A committed command at `index`.
    case command(index: UInt64, term: UInt64, data: [UInt8])
    /// A snapshot from the leader that replaces the service state up to `index`; commands
    /// continue at `index + 1`.
    case snapshot(index: UInt64, term: UInt64, data: [UInt8])
}
