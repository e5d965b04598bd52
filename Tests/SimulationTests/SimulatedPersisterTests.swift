import Simulation
import Testing

/// The labs' persister: values in and out, sizes, the atomic pair, and independent copies.
@Suite struct SimulatedPersisterTests {
    @Test func startsEmpty() {
        let persister = SimulatedPersister()
        #expect(persister.readRaftState().isEmpty && persister.readSnapshot().isEmpty)
        #expect(persister.raftStateSize == 0 && persister.snapshotSize == 0)
    }

    @Test func savesStateAndSnapshot() {
        let persister = SimulatedPersister()
        persister.saveRaftState([1, 2, 3])
        #expect(persister.readRaftState() == [1, 2, 3] && persister.raftStateSize == 3)
        persister.saveStateAndSnapshot(state: [4], snapshot: [5, 6])
        #expect(persister.readRaftState() == [4] && persister.readSnapshot() == [5, 6])
        #expect(persister.snapshotSize == 2)
        persister.saveRaftState([7, 8])
        #expect(persister.readSnapshot() == [5, 6], "saving the state keeps the snapshot")
    }

    @Test func copyIsIndependent() {
        let original = SimulatedPersister()
        original.saveStateAndSnapshot(state: [1], snapshot: [2])
        let copy = original.copy()
        original.saveStateAndSnapshot(state: [9], snapshot: [9])
        #expect(copy.readRaftState() == [1] && copy.readSnapshot() == [2])
        copy.saveRaftState([3])
        #expect(original.readRaftState() == [9])
    }

    /// A power loss keeps what was synced; a process crash keeps what was written.
    @Test func crashCopyKeepsOnlySyncedWrites() {
        let persister = SimulatedPersister()
        persister.saveStateAndSnapshot(state: [1], snapshot: [2])
        #expect(!persister.isSynced)
        #expect(persister.crashCopy().readRaftState().isEmpty, "nothing was synced yet")
        persister.sync()
        #expect(persister.isSynced)
        persister.saveRaftState([3])
        let lost = persister.crashCopy()
        #expect(lost.readRaftState() == [1] && lost.readSnapshot() == [2])
        #expect(lost.isSynced)
        let kept = persister.copy()
        #expect(kept.readRaftState() == [3] && kept.readSnapshot() == [2])
        #expect(kept.crashCopy().readRaftState() == [1], "a copy keeps the synced state too")
    }

    @Test func concurrentSavesAreAtomicPairs() async {
        let persister = SimulatedPersister()
        await withTaskGroup(of: Void.self) { group in
            for value in 0..<50 {
                group.addTask { persister.saveStateAndSnapshot(state: [UInt8(value)], snapshot: [UInt8(value)]) }
                group.addTask {
                    let copy = persister.copy()
                    #expect(copy.readRaftState() == copy.readSnapshot())
                }
            }
        }
    }
}
