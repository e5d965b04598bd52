public import RaftRuntime
public import Simulation

/// The lab persister as a Raft peer's store (the labs' `Persister` passed to `Make`). In
/// virtual time every save also costs virtual time in proportion to its size
/// (``LabEnvironment/chargeWrite(bytes:)``).
public struct LabStore: RaftStateStore {
    public let persister: SimulatedPersister
    let environment: LabEnvironment

    public init(persister: SimulatedPersister) {
        self.init(persister: persister, environment: LabEnvironment(mode: .realTime, seed: nil))
    }

    init(persister: SimulatedPersister, environment: LabEnvironment) {
        self.persister = persister
        self.environment = environment
    }

    public func readRaftState() -> [UInt8] { persister.readRaftState() }
    public func readSnapshot() -> [UInt8] { persister.readSnapshot() }

    public func save(raftState: [UInt8], snapshot: [UInt8]?) {
        environment.chargeWrite(bytes: raftState.count + (snapshot?.count ?? 0))
        if let snapshot {
            persister.saveStateAndSnapshot(state: raftState, snapshot: snapshot)
        } else {
            persister.saveRaftState(raftState)
        }
    }
}
