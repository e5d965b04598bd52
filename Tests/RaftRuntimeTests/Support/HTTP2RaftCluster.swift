import DurableStorage
import RaftRuntime
import RPCCore
import RPCHTTP2NIO

/// Three (or n) `RaftPeer`s, each serving `skv.raft.Raft` on its own `HTTP2ServerTransport`
/// on 127.0.0.1 (an ephemeral port) and calling the others through `HTTP2ClientTransport`,
/// each persisting with a `DiskRaftStore` in `directories[i]`. Peers are ids 1...n.
final class HTTP2RaftCluster: Sendable {
    let peers: [RaftPeer]
    let recorders: [ApplyRecorder]
    private let servers: [RPCServer]
    private let serverTasks: [Task<Void, Never>]
    private let clients: [HTTP2ClientTransport]

    /// `serve(slot)` is what each server exposes of its peer: the whole service by default.
    init(
        directories: [String], configuration: RaftPeer.Configuration = InProcessRaftCluster.fastConfiguration,
        serve: (DeferredRaftService) -> any RegistrableRPCService = { $0 }
    ) async throws {
        let n = directories.count
        let slots = (0..<n).map { _ in DeferredRaftService() }
        let transports = (0..<n).map { _ in HTTP2ServerTransport(host: "127.0.0.1", port: 0) }
        let servers = (0..<n).map { RPCServer(transport: transports[$0], services: [serve(slots[$0])]) }
        serverTasks = servers.map { server in Task { try? await server.serve() } }
        var ports: [Int] = []
        for transport in transports { ports.append(try await transport.listeningPort()) }
        var clients: [HTTP2ClientTransport] = []
        var peers: [RaftPeer] = []
        for i in 0..<n {
            var peerClients: [UInt64: RaftPeerClient] = [:]
            for j in 0..<n where j != i {
                let transport = HTTP2ClientTransport(host: "127.0.0.1", port: ports[j])
                clients.append(transport)
                peerClients[UInt64(j + 1)] = RaftPeerClient(wrapping: RPCClient(transport: transport))
            }
            var peerConfiguration = configuration
            peerConfiguration.seed = UInt64(i + 1) &* 104_729
            // Batch appends behind one in-flight Step per follower, as a disk-backed
            // deployment would.
            peerConfiguration.pipelinedRPCsPerPeer = 1
            let peer = try RaftPeer(
                id: UInt64(i + 1), peers: peerClients, logStore: DiskRaftStore(directory: directories[i]),
                configuration: peerConfiguration)
            slots[i].attach(peer)
            peers.append(peer)
        }
        self.peers = peers
        self.servers = servers
        self.clients = clients
        recorders = peers.map { ApplyRecorder(stream: $0.applyStream) }
    }

    func start() async {
        for peer in peers { await peer.start() }
    }

    /// Kills peer `i` (0-based) and stops its server: it is gone from the network.
    func stop(_ i: Int) async {
        await peers[i].kill()
        servers[i].beginGracefulShutdown()
    }

    /// Kills every peer, stops the servers and closes the clients.
    func shutdown() async {
        for i in peers.indices { await stop(i) }
        for client in clients { await client.close() }
        for task in serverTasks { await task.value }
    }

    /// Proposes `count` commands `"<prefix>-<k>"` at peer `i` (0-based), which must lead;
    /// returns the last one's index.
    func propose(_ count: Int, prefix: String, at i: Int) async throws -> UInt64 {
        var last: UInt64 = 0
        for k in 0..<count {
            let result = await peers[i].propose(Array("\(prefix)-\(k)".utf8))
            guard result.isLeader else { throw NotLeader(index: i) }
            last = result.index
        }
        return last
    }

    struct NotLeader: Error {
        let index: Int
    }

    /// The leader of the highest term among `candidates` (peer indices), waiting up to `limit`.
    func leader(among candidates: [Int], within limit: Duration = .seconds(10)) async -> Int? {
        var found: Int?
        _ = await eventually(within: limit) {
            var best: (term: UInt64, index: Int)?
            for i in candidates {
                let status = await peers[i].status()
                if status.isLeader, status.term >= (best?.term ?? 0) { best = (status.term, i) }
            }
            found = best?.index
            return found != nil
        }
        return found
    }
}
