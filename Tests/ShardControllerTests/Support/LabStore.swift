import RaftRuntime
import Simulation

/// The lab persister as a Raft peer's store.
struct LabStore: RaftStateStore {
    let persister: SimulatedPersister

    func readRaftState() -> [UInt8] { persister.readRaftState() }
    func readSnapshot() -> [UInt8] { persister.readSnapshot() }

    func save(raftState: [UInt8], snapshot: [UInt8]?) {
        if let snapshot {
            persister.saveStateAndSnapshot(state: raftState, snapshot: snapshot)
        } else {
            persister.saveRaftState(raftState)
        }
    }
}
