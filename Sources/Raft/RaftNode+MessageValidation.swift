/// Checks of messages from the network before `step(_:)` acts on them.
///
/// A correct peer never sends what these checks refuse; a broken or hostile one, or bytes
/// damaged in a way the wire checksum missed, may. Acting on such a message would trap on an
/// invariant (an entry conflicting with a committed one, a commit index beyond the log, a term
/// that overflows) or silently corrupt the log (a gap, a term going back). The node drops it
/// instead, counts it in ``RaftNode/droppedMessages`` and keeps the reason in
/// ``RaftNode/lastDropReason`` for the driver to log; nothing else changes.
extension RaftNode {
    /// Why `m` must be dropped, or nil if the node may act on it. Structural checks only, no
    /// log access: with consecutive entries after `index`, an append never reaches a committed
    /// entry (a stale one at or below the commit index is answered without appending).
    func malformation(of m: Message) -> String? {
        // Any other node may send: a member that applied a membership change this node has
        // not applied yet (or a removed one, whose messages carry an old term or are refused
        // as they would be from a member) is still a node of the group.
        guard m.from != 0, m.from != id else {
            return "sender \(m.from) is not another node"
        }
        guard RaftLimits.accepts(m.term, m.logTerm, m.index, m.commit, m.rejectHint) else {
            return "a term or index exceeds \(RaftLimits.maxTermOrIndex)"
        }
        if m.term == 0 {
            // Only forwarded reads carry no term, and the rejections of a node that never left
            // term 0; anything else would bypass the term checks.
            switch m.type {
            case .readIndex, .requestVoteResponse, .preVoteResponse: break
            default: return "\(m.type) without a term"
            }
        }
        switch m.type {
        case .appendEntries:
            return malformedEntries(of: m)
        case .appendEntriesResponse where m.reject && m.rejectHint > m.index:
            return "rejection hint \(m.rejectHint) beyond the rejected index \(m.index)"
        case .requestVote, .preVote:
            return m.logTerm > m.term ? "last log term \(m.logTerm) beyond the election's term \(m.term)" : nil
        case .installSnapshot:
            guard let snapshot = m.snapshot else { return "installSnapshot without a snapshot" }
            let metadata = snapshot.metadata
            guard metadata.index > 0, metadata.term > 0, metadata.term <= m.term,
                RaftLimits.accepts(metadata.index, metadata.term)
            else {
                return "snapshot at index \(metadata.index), term \(metadata.term) in term \(m.term)"
            }
            // A membership without this node is acceptable: the snapshot may be older than the
            // change that added it, which follows in the log.
            guard !metadata.confState.members.contains(0) else {
                return "snapshot membership (\(metadata.confState)) names node 0"
            }
            return nil
        default:
            return nil
        }
    }

    /// The entries of an appendEntries must continue the log at `index + 1`, one index after
    /// another, with terms that never decrease, from `logTerm` at most to the message's term.
    private func malformedEntries(of m: Message) -> String? {
        guard m.logTerm <= m.term else { return "previous log term \(m.logTerm) beyond the term \(m.term)" }
        var expectedIndex = m.index
        var lastTerm = m.logTerm
        for entry in m.entries {
            guard expectedIndex < RaftLimits.maxTermOrIndex, entry.index == expectedIndex + 1 else {
                return "entry \(entry.index) where \(expectedIndex &+ 1) belongs"
            }
            guard entry.term >= lastTerm, entry.term <= m.term else {
                return "entry \(entry.index) of term \(entry.term) after term \(lastTerm) in term \(m.term)"
            }
            expectedIndex = entry.index
            lastTerm = entry.term
        }
        return nil
    }

    /// Counts a dropped message and remembers why.
    mutating func drop(_ m: Message, because reason: String) {
        droppedMessages += 1
        lastDropReason = "\(m): \(reason)"
    }
}
