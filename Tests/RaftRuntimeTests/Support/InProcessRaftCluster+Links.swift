import Raft
import RaftRuntime
import Simulation
import Testing

extension InProcessRaftCluster {
    /// Three started peers with in-memory stores whose servers sit behind links made by
    /// `makeLink` (fault injectors); returns the cluster, its leader, a follower and the link
    /// in front of that follower.
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
        let leader = try await cluster.leader()
        let follower = cluster.peers.first { $0.id != leader.id }!
        let link = try #require(links[follower.id])
        return (cluster, leader, follower, link)
    }
}
