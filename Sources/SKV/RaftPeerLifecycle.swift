import RaftRuntime
import ServiceLifecycle

/// A replica's Raft peer as a lifecycle service: it ticks from `run` until the group shuts
/// down (gracefully or by cancellation), then is killed, which closes its store and releases
/// the data directory's lock. First in the host's group, so it stops last.
///
/// When the peer's store fails (a full disk, `EIO` on write or fsync) the peer stops itself
/// (the log says `storage failed; the peer stops`) and `run` throws ``RaftStorageFailure``:
/// the group shuts down and the daemon exits with a non-zero status and a one-line reason.
/// Exiting, rather than staying up with a stopped peer, is what etcd (`wal.Save` failing
/// makes the server panic/`Fatal`) and TiKV (a failed Raft engine write panics) do, for the
/// same reasons: after a failed fsync the kernel may have dropped the dirty pages (PostgreSQL's
/// "fsyncgate"), so the only trustworthy state is what a restart reads back from disk; a live
/// process whose peer no longer votes or acknowledges would look healthy to its supervisor and
/// to clients' connection pools; and the exit lets systemd/Kubernetes restart it once the
/// operator freed space, when recovery cuts the unsynced tail and the peer catches up. Clients
/// lose nothing: the peer never acknowledged what it did not persist, and the rest of the group
/// elects another leader.
struct RaftPeerLifecycle: NamedService {
    let peer: RaftPeer

    func run() async throws {
        await peer.start()
        let peer = self.peer
        // Ends when the peer stops: killed at graceful shutdown or cancellation, or stopped by
        // its own store failure.
        let failure = await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await peer.waitUntilStopped()
            } onCancel: {
                Task { await peer.kill() }
            }
        } onGracefulShutdown: {
            Task { await peer.kill() }
        }
        await peer.kill()
        if let failure { throw RaftStorageFailure(error: failure) }
        if await peer.wasRemovedFromGroup { throw RaftMemberRemoved(id: peer.id) }
    }
}

/// A member told the Raft peer that this node was removed from its group; the daemon exits
/// with ``ReplicaHost/exitRemoved`` (and refuses to start again on the same directory).
struct RaftMemberRemoved: Error, CustomStringConvertible {
    let id: UInt64
    var description: String {
        "node \(id) was removed from its group; to serve again, wipe the data directory and add it with another id"
    }
}

/// The Raft peer stopped because its store failed; the daemon exits with
/// ``ReplicaHost/exitStorageFailure``.
struct RaftStorageFailure: Error, CustomStringConvertible {
    let error: RaftStoreError
    var description: String { "storage failed; the peer stopped: \(error)" }
}
