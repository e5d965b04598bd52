import RaftRuntime
import ServiceLifecycle

/// A replica's Raft peer as a lifecycle service: it ticks from `run` until the group shuts
/// down (gracefully or by cancellation), then is killed, which closes its store and releases
/// the data directory's lock. First in the host's group, so it stops last.
struct RaftPeerLifecycle: Service {
    let peer: RaftPeer

    func run() async throws {
        await peer.start()
        // Returns at graceful shutdown; throws if the group is cancelled instead: both stop.
        try? await gracefulShutdown()
        await peer.kill()
    }
}
