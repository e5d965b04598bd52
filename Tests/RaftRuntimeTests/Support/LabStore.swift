import RaftRuntime
import Simulation

/// The lab persister as the Raft peers' store in the lab tests.
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
