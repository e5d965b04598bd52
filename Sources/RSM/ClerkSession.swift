/// A clerk's side of its exactly-once session (see ``SessionTable``'s eviction policy): its
/// client id, the number of its last write, and where the service has opened it — one place for
/// a KVRaft or controller group, each shard (`scope`) for ShardKV, whose sessions are per shard.
///
/// A clerk opens the session in a scope before its first write there, numbers every write with
/// ``nextWrite()`` (once per write, not per attempt), and after a `SESSION_EXPIRED` answer
/// ``renew()``s: a new random id, opened nowhere, so that a late delivery of an old write can
/// never be taken for a write of the new session.
package struct ClerkSession: Sendable {
    /// The client id and the last write's sequence number.
    package private(set) var current: ClientSession
    private var openScopes: Set<Int> = []

    /// `clientID` must not be 0.
    package init(clientID: UInt64) {
        current = ClientSession(clientID: clientID, sequence: SessionTable.openingSequence)
    }

    /// Whether the service opened the session in `scope` (ShardKV: a shard; others: 0).
    package func isOpen(in scope: Int = 0) -> Bool { openScopes.contains(scope) }

    package mutating func markOpen(in scope: Int = 0) { openScopes.insert(scope) }

    /// The session of the next write.
    package mutating func nextWrite() -> ClientSession {
        current.sequence += 1
        return current
    }

    /// After the service answered `SESSION_EXPIRED`: a new random id, opened nowhere.
    package mutating func renew() {
        self = ClerkSession(clientID: UInt64.random(in: 1...UInt64.max))
    }
}
