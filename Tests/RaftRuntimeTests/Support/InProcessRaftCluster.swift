import Raft
import RaftRuntime
import RPCCore
import RPCInProcess

/// A cluster of `RaftPeer`s in one process, each pair connected by `InProcessTransport`
/// (one transport per direction), for unit tests of the peer API. Peers are ids 1...n.
final class InProcessRaftCluster: Sendable {
    let peers: [RaftPeer]
    let recorders: [ApplyRecorder]
    private let servers: [RPCServer]
    private let serverTasks: [Task<Void, Never>]

    /// Fast timers: 5 ms ticks, elections after 15-30 ticks, heartbeats every 3.
    static var fastConfiguration: RaftPeer.Configuration {
        var configuration = RaftPeer.Configuration()
        configuration.tickInterval = .milliseconds(5)
        configuration.electionTimeoutTicks = 20
        configuration.heartbeatIntervalTicks = 3
        configuration.rpcTimeout = .seconds(2)
        return configuration
    }

    /// Builds and starts `n` peers; `makeStore(id)` gives each its store. `serve(peer)` is
    /// the service a peer's servers expose (the peer itself, or a wrapper that injects faults).
    init(
        n: Int, configuration: RaftPeer.Configuration = fastConfiguration,
        serve: (RaftPeer) -> any RaftServiceProtocol = { $0 },
        makeStore: (UInt64) throws -> sending any RaftLogStore
    ) throws {
        var servers: [RPCServer] = []
        var clients: [[UInt64: RaftPeerClient]] = Array(repeating: [:], count: n)
        var serverTransports: [[InProcessTransport.Server]] = Array(repeating: [], count: n)
        for i in 0..<n {
            for j in 0..<n where j != i {
                let (server, client) = InProcessTransport.makePair()
                serverTransports[j].append(server)
                clients[i][UInt64(j + 1)] = RaftPeerClient(wrapping: RPCClient(transport: client))
            }
        }
        var peers: [RaftPeer] = []
        for i in 0..<n {
            var peerConfiguration = configuration
            peerConfiguration.seed = UInt64(i + 1) &* 7919
            let peer = try RaftPeer(
                id: UInt64(i + 1), peers: clients[i], logStore: makeStore(UInt64(i + 1)),
                configuration: peerConfiguration)
            peers.append(peer)
            let service = serve(peer)
            for transport in serverTransports[i] {
                servers.append(RPCServer(transport: transport, services: [service]))
            }
        }
        self.peers = peers
        self.servers = servers
        recorders = peers.map { ApplyRecorder(stream: $0.applyStream) }
        serverTasks = servers.map { server in Task { try? await server.serve() } }
    }

    func start() async {
        for peer in peers { await peer.start() }
    }

    /// Kills every peer (closing their stores) and stops the servers.
    func shutdown() async {
        for peer in peers { await peer.kill() }
        for server in servers { server.beginGracefulShutdown() }
        for task in serverTasks { await task.value }
    }

    /// The single leader of the highest term, waiting up to `limit` for one.
    func leader(within limit: Duration = .seconds(10)) async throws -> RaftPeer {
        var found: RaftPeer?
        let ok = await eventually(within: limit) {
            found = nil
            var best: (term: UInt64, peer: RaftPeer)?
            for peer in self.peers {
                let status = await peer.status()
                if status.isLeader, status.term >= (best?.term ?? 0) { best = (status.term, peer) }
            }
            found = best?.peer
            return found != nil
        }
        guard ok, let found else { throw ClusterError.noLeader }
        return found
    }

    /// Proposes `command` on whichever peer leads, retrying until it is accepted; returns its
    /// index.
    func propose(_ command: [UInt8], within limit: Duration = .seconds(10)) async throws -> UInt64 {
        var index: UInt64 = 0
        let ok = await eventually(within: limit) {
            for peer in self.peers {
                let result = await peer.propose(command)
                if result.isLeader {
                    index = result.index
                    return true
                }
            }
            return false
        }
        guard ok else { throw ClusterError.noLeader }
        return index
    }

    enum ClusterError: Error { case noLeader }
}

/// Records what one peer delivers on its apply stream.
final class ApplyRecorder: Sendable {
    private let state = RecorderState()
    private let task: Task<Void, Never>

    init(stream: ApplyStream) {
        let state = self.state
        task = Task {
            for await message in stream { await state.record(message) }
        }
    }

    /// Commands by index.
    func commands() async -> [UInt64: [UInt8]] { await state.commands }
    func messages() async -> [ApplyMessage] { await state.messages }

    /// Waits until the command at `index` was delivered.
    func waitFor(index: UInt64, within limit: Duration = .seconds(10)) async -> Bool {
        await eventually(within: limit) { await self.state.highest >= index }
    }

    actor RecorderState {
        var commands: [UInt64: [UInt8]] = [:]
        var messages: [ApplyMessage] = []
        var highest: UInt64 = 0

        func record(_ message: ApplyMessage) {
            messages.append(message)
            switch message {
            case .command(let index, _, let data):
                commands[index] = data
                highest = max(highest, index)
            case .skipped(let index, _), .snapshot(let index, _, _):
                highest = max(highest, index)
            }
        }
    }
}

/// Polls `condition` every 10 ms until it holds or `limit` passes; returns whether it held.
func eventually(within limit: Duration, _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return await condition()
}
