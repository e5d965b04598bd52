import RaftRuntime
import Simulation

/// The lab persister as the Raft peers' store in the lab tests. In virtual time every save
/// also costs virtual time in proportion to its size (see ``LabEnvironment/chargeWrite(bytes:)``).
struct LabStore: RaftStateStore {
    let persister: SimulatedPersister
    let environment: LabEnvironment

    /// A store for tests outside the lab harness: real time, no write cost.
    init(persister: SimulatedPersister, environment: LabEnvironment = LabEnvironment(mode: .realTime, seed: 0)) {
        self.persister = persister
        self.environment = environment
    }

    func readRaftState() -> [UInt8] { persister.readRaftState() }
    func readSnapshot() -> [UInt8] { persister.readSnapshot() }

    func save(raftState: [UInt8], snapshot: [UInt8]?) {
        environment.chargeWrite(bytes: raftState.count + (snapshot?.count ?? 0))
        if let snapshot {
            persister.saveStateAndSnapshot(state: raftState, snapshot: snapshot)
        } else {
            persister.saveRaftState(raftState)
        }
    }
}
