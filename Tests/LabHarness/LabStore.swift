public import RaftRuntime
public import Simulation

/// The lab persister as a Raft peer's store (the labs' `Persister` passed to `Make`).
public struct LabStore: RaftStateStore {
    public let persister: SimulatedPersister

    public init(persister: SimulatedPersister) {
        self.persister = persister
    }

    public func readRaftState() -> [UInt8] { persister.readRaftState() }
    public func readSnapshot() -> [UInt8] { persister.readSnapshot() }

    public func save(raftState: [UInt8], snapshot: [UInt8]?) {
        if let snapshot {
            persister.saveStateAndSnapshot(state: raftState, snapshot: snapshot)
        } else {
            persister.saveRaftState(raftState)
        }
    }
}
