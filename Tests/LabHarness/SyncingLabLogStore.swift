import Raft
import RaftRuntime
import Simulation

/// A lab server's Raft log store: the labs' whole-blob persister (through `BlobRaftLogStore`),
/// with the durability contract of a disk. Every `persist` writes the blob, but only a write
/// that must be durable syncs it: one with entries, a new term or vote (`mustSync`) or a
/// snapshot; a commit-only change stays written but unsynced, as `DiskRaftStore` leaves it.
/// `compact` syncs. A power loss (`SimulatedPersister.crashCopy()`) therefore drops exactly
/// what Raft may not have relied on, and a run with disk crashes checks that Raft never
/// acknowledged anything it had not synced.
///
/// One owner (the Raft peer), as every `RaftLogStore`.
final class SyncingLabLogStore: RaftLogStore {
    private let blob: BlobRaftLogStore
    private let persister: SimulatedPersister

    init(store: LabStore, voters: [UInt64]) {
        blob = BlobRaftLogStore(store, voters: voters)
        persister = store.persister
    }

    func load() throws(RaftStoreError) -> PersistedRaftState { try blob.load() }

    func persist(hardState: HardState?, entries: [Entry], snapshot: Snapshot?, mustSync: Bool) throws(RaftStoreError) {
        try blob.persist(hardState: hardState, entries: entries, snapshot: snapshot, mustSync: mustSync)
        if mustSync || snapshot != nil { persister.sync() }
    }

    func compact(snapshot: Snapshot) throws(RaftStoreError) {
        try blob.compact(snapshot: snapshot)
        persister.sync()
    }

    var raftStateBytes: Int { blob.raftStateBytes }

    func close() { blob.close() }
}
