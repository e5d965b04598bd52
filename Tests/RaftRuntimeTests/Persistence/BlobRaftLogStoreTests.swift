import Raft
import RaftRuntime
import Simulation
import Testing

/// `BlobRaftLogStore`: the incremental calls rebuild the same whole-state blob the labs'
/// Persister held before, and `load` reads it back.
@Suite("BlobRaftLogStore")
struct BlobRaftLogStoreTests {
    @Test func persistCompactAndReload() throws {
        let persister = SimulatedPersister()
        let store = BlobRaftLogStore(LabStore(persister: persister), voters: [1, 2, 3])
        #expect(try store.load() == PersistedRaftState())
        let first = (1...5).map { Entry(term: 1, index: UInt64($0), data: [UInt8($0)]) }
        try store.persist(hardState: HardState(term: 1, vote: 1, commit: 0), entries: first, snapshot: nil, mustSync: true)
        // A conflicting suffix from a new leader replaces 4...5.
        try store.persist(
            hardState: HardState(term: 2, vote: 2, commit: 3), entries: [Entry(term: 2, index: 4, data: [40])],
            snapshot: nil, mustSync: true)
        let sizeBefore = store.raftStateBytes
        #expect(sizeBefore == persister.raftStateSize)
        let snapshot = Snapshot(metadata: .init(index: 3, term: 1, voters: [1, 2, 3]), data: [9])
        try store.compact(snapshot: snapshot)
        #expect(store.raftStateBytes < sizeBefore)

        let reloaded = try BlobRaftLogStore(LabStore(persister: persister), voters: [1, 2, 3]).load()
        #expect(reloaded.snapshot == snapshot)
        #expect(reloaded.hardState == HardState(term: 2, vote: 2, commit: 3))
        #expect(reloaded.entries == [Entry(term: 2, index: 4, data: [40])])
    }

    @Test func installedSnapshotReplacesTheLog() throws {
        let persister = SimulatedPersister()
        let store = BlobRaftLogStore(LabStore(persister: persister), voters: [1, 2, 3])
        _ = try store.load()
        try store.persist(
            hardState: HardState(term: 1, vote: 0, commit: 0), entries: (1...3).map { Entry(term: 1, index: UInt64($0)) },
            snapshot: nil, mustSync: true)
        let snapshot = Snapshot(metadata: .init(index: 10, term: 3, voters: [1, 2, 3]), data: [1])
        try store.persist(
            hardState: HardState(term: 3, vote: 0, commit: 10), entries: [Entry(term: 3, index: 11, data: [11])],
            snapshot: snapshot, mustSync: true)
        let reloaded = try BlobRaftLogStore(LabStore(persister: persister), voters: [1, 2, 3]).load()
        #expect(reloaded.snapshot == snapshot)
        #expect(reloaded.entries == [Entry(term: 3, index: 11, data: [11])])
    }

    @Test func undecodableStateIsACorruptError() {
        let persister = SimulatedPersister()
        persister.saveRaftState([0xFF, 0xFF, 0xFF])
        #expect {
            _ = try BlobRaftLogStore(LabStore(persister: persister), voters: [1]).load()
        } throws: { error in
            if case RaftStoreError.corrupt = error { return true }
            return false
        }
    }
}
