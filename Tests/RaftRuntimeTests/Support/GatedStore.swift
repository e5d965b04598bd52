import Foundation
import Raft
import RaftRuntime
import Synchronization

/// A store whose writes of one kind wait while the test holds its gate: the service's snapshots
/// (its `snapshotWriter`), a snapshot from the leader (its `persist`), or entries (`persist`
/// with entries: a slow disk). With asynchronous writes they wait on the peer's storage or
/// snapshot queue, so only those writes are held.
final class GatedStore: RaftLogStore {
    enum Gated { case snapshotWriter, snapshotPersist, entriesPersist }
    let inner: any RaftLogStore
    let gate: Gate
    let gated: Gated

    init(_ inner: sending any RaftLogStore, gate: Gate, gated: Gated = .snapshotWriter) {
        self.inner = inner
        self.gate = gate
        self.gated = gated
    }

    func load() throws(RaftStoreError) -> PersistedRaftState { try inner.load() }
    func persist(hardState: Raft.HardState?, entries: [Entry], snapshot: Snapshot?, mustSync: Bool)
        throws(RaftStoreError)
    {
        if snapshot != nil && gated == .snapshotPersist { gate.wait() }
        if !entries.isEmpty && gated == .entriesPersist { gate.wait() }
        try inner.persist(hardState: hardState, entries: entries, snapshot: snapshot, mustSync: mustSync)
    }
    func compact(snapshot: Snapshot) throws(RaftStoreError) { try inner.compact(snapshot: snapshot) }
    func compactWritten(snapshot: Snapshot) throws(RaftStoreError) { try inner.compactWritten(snapshot: snapshot) }
    var raftStateBytes: Int { inner.raftStateBytes }
    func close() { inner.close() }
    var snapshotWriter: (any RaftSnapshotWriter)? {
        gated == .snapshotWriter ? inner.snapshotWriter.map { GatedWriter(inner: $0, gate: gate) } : nil
    }
}

struct GatedWriter: RaftSnapshotWriter {
    let inner: any RaftSnapshotWriter
    let gate: Gate

    func write(_ snapshot: Snapshot) throws(RaftStoreError) {
        gate.wait()
        try inner.write(snapshot)
    }
}

/// Closed until `open()` (or open from the start, until `close()`); `wait()` blocks the calling
/// thread (a dispatch queue's) while it is closed, for at most 30 s.
final class Gate: Sendable {
    private let isOpen: Mutex<Bool>
    private let entered = Mutex(0)

    init(isOpen: Bool = false) { self.isOpen = Mutex(isOpen) }

    func open() { isOpen.withLock { $0 = true } }
    func close() { isOpen.withLock { $0 = false } }
    var waiters: Int { entered.withLock { $0 } }

    func wait() {
        entered.withLock { $0 += 1 }
        let deadline = ContinuousClock.now + .seconds(30)
        while !isOpen.withLock({ $0 }) && ContinuousClock.now < deadline { usleep(1_000) }
    }
}
