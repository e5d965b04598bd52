public import RPCCore

/// What a lab replica runs on top of its Raft peer (a `KVServer`, a `ShardCtrlerServer`, a
/// ShardKV server): it registers its methods on the server's router (next to the peer's Raft
/// service) and starts and stops with the replica. The services conform in the test targets
/// (`extension KVServer: LabService {}`).
public protocol LabService: Sendable {
    func registerMethods(with router: inout RPCRouter)
    /// Starts serving (after the router is on the network, before the peer starts).
    func start() async
    /// Stops serving (after the peer was killed).
    func stop() async
}
