import ArgumentParser
import DurableStorage
import RaftRuntime
import RPCCore
import RPCHTTP2NIO
import RPCInProcess

/// How the three replicas talk.
enum BenchTransport: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// `InProcessTransport` pairs: no serialization cost beyond protobuf, no sockets.
    case inprocess
    /// Each replica serves on its own loopback HTTP/2 port.
    case http2
}

/// Three `RaftPeer`s with `DiskRaftStore`s under `directory`, counting syncs in `counter`.
final class BenchCluster: Sendable {
    let peers: [RaftPeer]
    let waiters: [CommitWaiter]
    private let servers: [RPCServer]
    private let tasks: [Task<Void, Never>]
    private let clients: [HTTP2ClientTransport]

    init(
        transport: BenchTransport, directory: String, counter: SyncCounter, pipelinedRPCs: Int?,
        leaderSendsBeforePersisting: Bool
    ) async throws {
        let n = 3
        var configuration = RaftPeer.Configuration()
        configuration.electionTimeoutTicks = 20
        configuration.pipelinedRPCsPerPeer = pipelinedRPCs
        configuration.leaderSendsBeforePersisting = leaderSendsBeforePersisting
        var clientMaps: [[UInt64: RaftPeerClient]] = Array(repeating: [:], count: n)
        var servers: [RPCServer] = []
        var clients: [HTTP2ClientTransport] = []
        let slots = (0..<n).map { _ in DeferredRaftService() }
        var listeners: [HTTP2ServerTransport] = []
        switch transport {
        case .inprocess:
            for i in 0..<n {
                for j in 0..<n where j != i {
                    let (server, client) = InProcessTransport.makePair()
                    servers.append(RPCServer(transport: server, services: [slots[j]]))
                    clientMaps[i][UInt64(j + 1)] = RaftPeerClient(wrapping: RPCClient(transport: client))
                }
            }
        case .http2:
            listeners = (0..<n).map { _ in HTTP2ServerTransport(host: "127.0.0.1", port: 0) }
            servers = (0..<n).map { RPCServer(transport: listeners[$0], services: [slots[$0]]) }
        }
        var tasks: [Task<Void, Never>] = servers.map { server in Task { _ = try? await server.serve() } }
        if !listeners.isEmpty {
            for i in 0..<n {
                for j in 0..<n where j != i {
                    let port = try await listeners[j].listeningPort()
                    let client = HTTP2ClientTransport(host: "127.0.0.1", port: port)
                    clients.append(client)
                    clientMaps[i][UInt64(j + 1)] = RaftPeerClient(wrapping: RPCClient(transport: client))
                }
            }
        }
        var peers: [RaftPeer] = []
        var waiters: [CommitWaiter] = []
        for i in 0..<n {
            configuration.seed = UInt64(i + 1)
            let peer = try RaftPeer(
                id: UInt64(i + 1), peers: clientMaps[i],
                logStore: DiskRaftStore(
                    directory: "\(directory)/peer\(i + 1)", fileSystem: CountingFileSystem(counter: counter)),
                configuration: configuration)
            slots[i].attach(peer)
            peers.append(peer)
            let waiter = CommitWaiter()
            tasks.append(waiter.follow(peer.applyStream))
            waiters.append(waiter)
        }
        self.peers = peers
        self.waiters = waiters
        self.servers = servers
        self.clients = clients
        self.tasks = tasks
        for peer in peers { await peer.start() }
    }

    /// The index of the current leader, waiting up to `limit` for one.
    func leader(within limit: Duration = .seconds(10)) async -> Int? {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            for (i, peer) in peers.enumerated() where await peer.status().isLeader { return i }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    func shutdown() async {
        for peer in peers { await peer.kill() }
        for server in servers { server.beginGracefulShutdown() }
        for client in clients { await client.close() }
        for task in tasks { await task.value }
    }
}
