/// A service's deterministic state, driven by a ``ReplicatedStateMachine`` (the contract follows
/// hashicorp/raft's `FSM`).
///
/// Who calls it: only the ``ReplicatedStateMachine`` that owns the value, from its actor, one
/// call at a time, never concurrently; the value is never shared, so conformances need no
/// locks. Every replica of a group feeds the same commands in the same order, so the methods
/// must be **deterministic**: the result of ``apply(_:index:)`` and the bytes of ``snapshot()``
/// may depend only on the commands applied (and restored snapshots), never on time,
/// randomness, the local replica or hash-table iteration order.
///
/// Order of calls: ``restore(_:)`` (when the replica restarts from a snapshot or receives one
/// from the leader), then ``apply(_:index:)`` for every committed command after it in log
/// order, with ``snapshot()`` and ``query(_:)`` interleaved between applies. Indices grow
/// strictly but need not be consecutive (the log also holds entries that are not commands).
///
/// Failure: ``apply(_:index:)`` cannot fail — a command the service cannot execute must still
/// produce a deterministic reply (for example an error outcome in the reply bytes), because
/// every replica has already committed it. Only ``restore(_:)`` may throw: a snapshot that
/// does not decode means corruption or a version mismatch: the caller refuses the snapshot and
/// stops serving (``ReplicatedStateMachineError/snapshotRejected(index:reason:)``).
public protocol StateMachine {
    /// Applies one committed command (the bytes a client submitted) found at log `index`, and
    /// returns the reply bytes for the client. Called once per command in log order; duplicates
    /// of a client's write were already filtered out by the session table. Commands put through
    /// the log by ``ReplicatedStateMachine/read(_:)`` arrive here too and must not change the
    /// state.
    mutating func apply(_ command: [UInt8], index: UInt64) -> [UInt8]

    /// Answers a read-only query against the current state (no log entry, no state change). The
    /// ``ReplicatedStateMachine`` calls it for reads once it knows the state is recent enough
    /// (the ReadIndex path); it must give the same answer ``apply(_:index:)`` would give for
    /// the same bytes.
    func query(_ query: [UInt8]) -> [UInt8]

    /// Serializes the whole state. The bytes must be identical on every replica that applied
    /// the same commands (sort anything unordered) and should be compact: they are persisted
    /// and sent to lagging followers.
    func snapshot() -> [UInt8]

    /// Appends exactly ``snapshot()``'s bytes to `buffer` (which holds what precedes them in
    /// the replica's snapshot). The default appends a ``snapshot()``: one more copy of the
    /// state while it is encoded. A large state overrides it to encode in place, reserving
    /// its capacity first (the replica's snapshot is then the only copy: issue 15's peak
    /// memory at 1 M keys).
    func snapshot(appendingTo buffer: inout [UInt8])

    /// Replaces the whole state with one produced by ``snapshot()`` (possibly on another
    /// replica). Throws if the bytes do not decode; the state is then unspecified.
    mutating func restore(_ snapshot: [UInt8]) throws
}

extension StateMachine {
    public func snapshot(appendingTo buffer: inout [UInt8]) {
        buffer.append(contentsOf: snapshot())
    }
}

/// A ``StateMachine`` whose copies share no mutable state — a value type whose storage is
/// copy-on-write (a dictionary, arrays), with no shared class references it mutates.
///
/// The ``ReplicatedStateMachine`` then takes a snapshot from a copy: taking it is O(1) on the
/// apply loop, the encoding runs on the snapshot executor (`Configuration.snapshotExecutor`)
/// while the loop goes on applying commands, and the loop's first write afterwards copies the
/// storage once (its references, not the keys and values). Without it the applies pause for
/// the whole encoding: ≈ 0.3–0.8 s at 1 M keys, in which the member answers no client and a
/// new member's catch-up stands still (issue 15).
public protocol CopyOnWriteStateMachine: StateMachine, Sendable {}
