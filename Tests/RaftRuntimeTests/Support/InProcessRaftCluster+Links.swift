import Raft
import RaftRuntime
import Simulation
import Testing

extension InProcessRaftCluster {
    /// Three started peers with in-memory stores whose servers sit behind links made by
    /// `makeLink` (fault injectors); returns the cluster, its leader, a follower and the link
    /// in front of that follower. The leader is one every peer follows (``settledLeader(within:)``),
    /// not one a newer term may already have replaced: a test that cuts "the follower" must not
    /// cut the real leader.
    /// `makeStore(id)`: each peer's store (default: in memory).
    static func withLinkedFollower<Link: RaftServiceProtocol>(
        configuration: RaftPeer.Configuration,
        makeStore: ((UInt64) throws -> sending any RaftLogStore)? = nil,
        makeLink: (RaftPeer) -> Link
    ) async throws -> (InProcessRaftCluster, leader: RaftPeer, follower: RaftPeer, link: Link) {
        var links: [UInt64: Link] = [:]
        let cluster = try InProcessRaftCluster(n: 3, configuration: configuration) { peer in
            let link = makeLink(peer)
            links[peer.id] = link
            return link
        } makeStore: { id in
            if let makeStore { return try makeStore(id) }
            return BlobRaftLogStore(LabStore(persister: SimulatedPersister()), voters: [1, 2, 3])
        }
        await cluster.start()
        let leader = try await cluster.settledLeader()
        let follower = cluster.peers.first { $0.id != leader.id }!
        let link = try #require(links[follower.id])
        return (cluster, leader, follower, link)
    }

    /// The leader every peer agrees on: it leads, and every other peer is in its term and names
    /// it as leader. Right after start-up ``leader(within:)`` may return a peer that a newer term
    /// has already replaced (its followers moved on while it had not yet heard of it).
    func settledLeader(within limit: Duration = .seconds(10)) async throws -> RaftPeer {
        var found: RaftPeer?
        let ok = await eventually(within: limit) {
            found = nil
            var statuses: [RaftPeerStatus] = []
            for peer in self.peers { statuses.append(await peer.status()) }
            guard let leading = statuses.first(where: \.isLeader),
                statuses.allSatisfy({ $0.term == leading.term && $0.leaderID == leading.id })
            else { return false }
            found = self.peers.first { $0.id == leading.id }
            return found != nil
        }
        guard ok, let found else { throw ClusterError.noLeader }
        return found
    }
}
