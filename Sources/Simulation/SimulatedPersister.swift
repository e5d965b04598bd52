import Synchronization

/// The labs' `Persister`: holds one server's Raft state and snapshot "on disk" across
/// simulated crashes.
///
/// Who calls it: a Raft node saves through it; the test harness reads sizes
/// (``raftStateSize``, ``snapshotSize``) and, when it crashes a server, gives the restarted
/// instance a ``copy()`` so that the killed instance (which may still be running) can no
/// longer change what the new one reads.
///
/// Thread safety: every method may be called from any task; each is atomic under one mutex.
/// Bytes are copied in and out (Swift arrays are values), so callers never share storage
/// with the persister. Nothing here can fail: writes replace the previous value entirely,
/// as the labs' persister does.
///
/// Written versus synced: a save is *written* (every read sees it, and a process crash,
/// ``copy()``, keeps it, as the labs assume); ``sync()`` makes what is written *synced*. A
/// power loss, ``crashCopy()``, keeps only what was synced: the state as of the last `sync()`
/// (empty if there was none). A store that calls `sync()` exactly when it must be durable
/// (before Raft acknowledges anything that depends on it) is therefore checked by crash copies.
public final class SimulatedPersister: Sendable {
    private struct Contents: Sendable {
        var raftState: [UInt8] = []
        var snapshot: [UInt8] = []
        var syncedRaftState: [UInt8] = []
        var syncedSnapshot: [UInt8] = []
    }

    private let contents: Mutex<Contents>

    /// An empty persister: no Raft state, no snapshot.
    public init() {
        contents = Mutex(Contents())
    }

    private init(copying other: Contents) {
        contents = Mutex(other)
    }

    /// An independent persister holding the same Raft state and snapshot as `self` now (what
    /// a process crash leaves: everything written, synced or not).
    public func copy() -> SimulatedPersister {
        SimulatedPersister(copying: contents.withLock { $0 })
    }

    /// An independent persister holding what `self` had synced (what a power loss leaves):
    /// writes after the last ``sync()`` are lost.
    public func crashCopy() -> SimulatedPersister {
        let synced = contents.withLock { contents in
            Contents(
                raftState: contents.syncedRaftState, snapshot: contents.syncedSnapshot,
                syncedRaftState: contents.syncedRaftState, syncedSnapshot: contents.syncedSnapshot)
        }
        return SimulatedPersister(copying: synced)
    }

    /// Makes everything written so far survive a power loss (an fsync).
    public func sync() {
        contents.withLock {
            $0.syncedRaftState = $0.raftState
            $0.syncedSnapshot = $0.snapshot
        }
    }

    /// Whether everything written is synced (a power loss now would lose nothing).
    public var isSynced: Bool {
        contents.withLock { $0.syncedRaftState == $0.raftState && $0.syncedSnapshot == $0.snapshot }
    }

    /// Replaces the Raft state; the snapshot is kept.
    public func saveRaftState(_ state: [UInt8]) {
        contents.withLock { $0.raftState = state }
    }

    /// The last saved Raft state (empty if none was saved).
    public func readRaftState() -> [UInt8] {
        contents.withLock { $0.raftState }
    }

    /// Size in bytes of the saved Raft state.
    public var raftStateSize: Int {
        contents.withLock { $0.raftState.count }
    }

    /// Replaces the Raft state and the snapshot together: a reader sees either both old
    /// values or both new ones.
    public func saveStateAndSnapshot(state: [UInt8], snapshot: [UInt8]) {
        contents.withLock {
            $0.raftState = state
            $0.snapshot = snapshot
        }
    }

    /// The last saved snapshot (empty if none was saved).
    public func readSnapshot() -> [UInt8] {
        contents.withLock { $0.snapshot }
    }

    /// Size in bytes of the saved snapshot.
    public var snapshotSize: Int {
        contents.withLock { $0.snapshot.count }
    }
}
