public import RaftRuntime
public import RPCCore
public import RSM

/// What a ``LabReplicaGroup``'s service factory receives to build one server instance (the
/// labs' `StartServer` arguments).
public struct LabServerContext: Sendable {
    /// The server's index in its group (0-based); its Raft id is `index + 1`.
    public let index: Int
    /// The server's network name (the name controllers list in configurations).
    public let name: String
    /// This instance's Raft peer, built on a fresh copy of the server's persister.
    public let peer: RaftPeer
    /// The snapshot the persister held (`nil`: none), for the service to restore from.
    public let restoredSnapshot: RestoredSnapshot?
    /// The group's `maxraftstate` in bytes (−1: never snapshot).
    public let maxRaftState: Int
    /// Real or virtual time: the service's clock and executor.
    public let environment: LabEnvironment
    /// The labs' `make_end`: a fresh, enabled client end to the server with the given name
    /// (in any group on the same network).
    public let makeEnd: @Sendable (String) -> RPCClient

    /// The replicated state machine's configuration for this server: the group's
    /// `maxraftstate`, and the environment's clock and executor.
    public var replication: ReplicatedStateMachine.Configuration {
        var configuration = ReplicatedStateMachine.Configuration()
        configuration.maxRaftStateBytes = maxRaftState
        configuration.clock = environment.clock
        configuration.taskExecutor = environment.taskExecutor
        return configuration
    }
}

/// Builds the service of one server instance from its context.
public typealias LabServiceFactory<Service: LabService> = @Sendable (LabServerContext) throws -> Service
