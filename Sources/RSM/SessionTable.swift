/// The de-duplication table: each client's last applied write and its reply, so a retried write
/// applies once (the labs' "duplicate detection"; Raft thesis §6.3).
///
/// Pure and deterministic: every replica applies the same writes in the same order and so holds
/// the same table, including which sessions it evicted. Owned by one ``ReplicatedStateMachine``.
///
/// Memory: one record per client (a client sends write n+1 only after seeing n's reply, so
/// older replies are never needed). Past ``maxSessions`` the record with the oldest last write
/// (smallest log index; ties, possible for records migrated between groups, by client id) is
/// evicted.
///
/// Eviction policy (what a client gets after it): a session is opened explicitly, by sequence 0
/// (an opening changes nothing but the table, so applying it twice is harmless), and writes
/// number from 1. A write whose client has no record is therefore either from a session that
/// was evicted or from one that was never opened, and in both cases it is refused
/// (``Verdict/expired``) rather than applied: had an evicted client's write applied before the
/// eviction, applying its retry would apply it twice. The client learns that the outcome of
/// that write is unknown, and opens a new session (a new client id) for further writes. So the
/// limit bounds memory without ever breaking exactly-once; it should exceed the number of
/// clients active at once so that evictions (and the errors they cause) stay rare.
package struct SessionTable: Sendable, Equatable {
    /// What the table says about an incoming request.
    package enum Verdict: Sendable, Equatable {
        /// Not seen yet: apply it, then ``record(_:reply:index:)``.
        case new
        /// The client's latest write, already applied: answer with its cached reply.
        case duplicate(reply: [UInt8])
        /// Older than the client's latest write (the client already saw its reply).
        case stale(latest: UInt64)
        /// A write (sequence ≥ 1) of a client the table holds no record for: never opened, or
        /// evicted. Not to be applied (see the eviction policy above).
        case expired
    }

    /// The sequence number that opens a session (writes number from 1).
    package static let openingSequence: UInt64 = 0

    package let maxSessions: Int
    private(set) var records: [UInt64: SessionRecord] = [:]

    package init(maxSessions: Int) {
        precondition(maxSessions >= 1, "maxSessions must be at least 1, not \(maxSessions)")
        self.maxSessions = maxSessions
    }

    package var count: Int { records.count }

    package func verdict(for session: ClientSession) -> Verdict {
        guard let record = records[session.clientID] else {
            return session.sequence == Self.openingSequence ? .new : .expired
        }
        if session.sequence == record.sequence { return .duplicate(reply: record.reply) }
        if session.sequence < record.sequence { return .stale(latest: record.sequence) }
        return .new
    }

    /// Records `session`'s write (or opening, with sequence 0), applied at `index` with `reply`;
    /// evicts the oldest session if the table outgrew ``maxSessions``.
    package mutating func record(_ session: ClientSession, reply: [UInt8], index: UInt64) {
        records[session.clientID] = SessionRecord(
            clientID: session.clientID, sequence: session.sequence, reply: reply, lastIndex: index)
        evictPastLimit()
    }

    /// Evicts the records with the oldest last write until at most ``maxSessions`` remain. Ties
    /// (records migrated from another log can share an index) go to the smaller client id, so
    /// the choice never depends on the dictionary's iteration order, which differs between
    /// processes: every replica evicts the same records.
    private mutating func evictPastLimit() {
        // Terminates: each pass removes one record. O(sessions) per eviction, which only happens
        // when more clients than the limit have written.
        while records.count > maxSessions {
            guard let oldest = records.values.min(by: Self.olderFirst) else { break }
            records[oldest.clientID] = nil
        }
    }

    private static func olderFirst(_ a: SessionRecord, _ b: SessionRecord) -> Bool {
        (a.lastIndex, a.clientID) < (b.lastIndex, b.clientID)
    }

    /// The records sorted by client id (the snapshot form: identical bytes on every replica).
    package var sortedRecords: [SessionRecord] {
        records.values.sorted { $0.clientID < $1.clientID }
    }

    /// Replaces the table with the records of a snapshot (keeping the newest ``maxSessions``).
    package mutating func restore(_ snapshotRecords: [SessionRecord]) {
        records = [:]
        for record in snapshotRecords.sorted(by: Self.olderFirst) {
            records[record.clientID] = record
        }
        evictPastLimit()
    }
}
