import Logging
import RPCHTTP2NIO
import RaftRuntime
import RPCCore
import RSM

/// A replicated service a ``ReplicaHost`` runs next to its Raft peer: it registers its methods
/// on the host's one listener, starts after the listener is up and stops on shutdown (before
/// the host kills the peer).
protocol ReplicaService: RegistrableRPCService {
    /// Starts applying the log (and any background work).
    func start() async
    /// Stops serving; waiting requests fail. Releases what the service opened itself.
    func stop() async
}

/// What a ``ReplicaHost`` hands the factory of its service.
struct ReplicaContext: Sendable {
    /// This replica's Raft id.
    var id: UInt64
    /// The Raft peer over the data directory's log (not started yet).
    var peer: RaftPeer
    /// The service snapshot the peer restarted from, if any.
    var restoredSnapshot: RestoredSnapshot?
    /// Every member's client address ("host:port") by Raft id, as the membership stands when
    /// called: Raft and the service share one listener, so a member's peer address is its
    /// client address.
    var memberAddressLookup: @Sendable () -> [UInt64: String]

    /// The member addresses now.
    var memberAddresses: [UInt64: String] { memberAddressLookup() }
    /// The replicated state machine's configuration from the options (the snapshot threshold).
    var replication: ReplicatedStateMachine.Configuration
    /// The daemon's logger (with the node id).
    var logger: Logger
    /// TLS for the service's own clients (other groups, the controller); `nil`: plaintext.
    var tls: TransportTLS?
}
