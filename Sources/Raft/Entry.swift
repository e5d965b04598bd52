/// One record of the replicated log.
///
/// Entries are created by the leader (`RaftNode.propose(_:)` or the no-op it appends on
/// `becomeLeader`) and are immutable afterwards. `index` starts at 1; index 0 is the empty
/// log. The pair (`index`, `term`) identifies an entry uniquely across the cluster
/// (the Log Matching property of the Raft paper, §5.3).
public struct Entry: Sendable, Hashable {
    /// What an entry means to the application.
    public enum Kind: Sendable, Hashable {
        /// An application command; `data` is opaque to Raft.
        case normal
        /// The empty entry a new leader appends to commit entries of earlier terms (§5.4.2,
        /// §8). Applications skip it when applying.
        case noop
        /// Reserved for membership changes; this core does not yet interpret it.
        case configChange
    }

    public var term: UInt64
    public var index: UInt64
    public var kind: Kind
    public var data: [UInt8]

    public init(term: UInt64, index: UInt64, kind: Kind = .normal, data: [UInt8] = []) {
        self.term = term
        self.index = index
        self.kind = kind
        self.data = data
    }

    /// Fixed per-entry overhead counted by `approximateBytes`: term, index and kind as they
    /// would roughly appear on the wire.
    public static let overheadBytes = 24

    /// Size used for the `Config.maxEntriesBytesPerAppend` limit: payload plus a fixed
    /// overhead, so that even empty entries have a cost.
    public var approximateBytes: Int { data.count + Entry.overheadBytes }
}

extension Array where Element == Entry {
    /// Returns the longest prefix whose total `approximateBytes` does not exceed `maxBytes`,
    /// but always at least one entry (a single oversized entry must still make progress).
    func limited(toBytes maxBytes: Int) -> [Entry] {
        guard count > 1 else { return self }
        var total = self[0].approximateBytes
        var end = 1
        while end < count {
            total += self[end].approximateBytes
            if total > maxBytes { break }
            end += 1
        }
        return end == count ? self : Array(self[0..<end])
    }
}
