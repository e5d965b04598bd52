import Foundation
import RaftRuntime
import RPCCore
import RPCHTTP2NIO
import Synchronization

/// `RaftPeer`s over HTTP/2 on 127.0.0.1 whose membership changes while they run: each node
/// has a listener (an ephemeral port, bound before its peer exists), a data directory under
/// `root` (`DiskRaftStore` and the `members` address book), and a connector that opens an
/// HTTP/2 client to any member's address. Nodes are added, killed and restarted by id.
final class LoopbackMembershipCluster: Sendable {
    private struct Node {
        var server: RPCServer
        var serverTask: Task<Void, Never>
        var slot: DeferredRaftService
        var address: String
        var peer: RaftPeer?
        var recorder: ApplyRecorder?
    }

    let root: String
    let configuration: RaftPeer.Configuration
    private let nodes = Mutex<[UInt64: Node]>([:])
    /// Every client opened by a connector, by (owner, member), closed on disconnect or at shutdown.
    private let clients = Mutex<[String: HTTP2ClientTransport]>([:])

    /// 5 ms ticks as ``InProcessRaftCluster/fastConfiguration``, but elections after 60-120
    /// ticks: a loaded machine (load 8-11 seen) otherwise deposes leaders mid-test.
    static var configuration: RaftPeer.Configuration {
        var configuration = InProcessRaftCluster.fastConfiguration
        configuration.electionTimeoutTicks = 60
        configuration.heartbeatIntervalTicks = 6
        return configuration
    }

    init(root: String, configuration: RaftPeer.Configuration = LoopbackMembershipCluster.configuration) {
        self.root = root
        var configuration = configuration
        configuration.pipelinedRPCsPerPeer = 1
        self.configuration = configuration
    }

    /// Binds a listener for node `id`; returns its address.
    @discardableResult
    func listen(_ id: UInt64) async throws -> String {
        let slot = DeferredRaftService()
        let transport = HTTP2ServerTransport(host: "127.0.0.1", port: 0)
        let server = RPCServer(transport: transport, services: [slot])
        let task = Task { _ = try? await server.serve() }
        let port = try await transport.listeningPort()
        let address = "127.0.0.1:\(port)"
        nodes.withLock {
            $0[id] = Node(server: server, serverTask: task, slot: slot, address: address, peer: nil, recorder: nil)
        }
        return address
    }

    func address(_ id: UInt64) -> String { nodes.withLock { $0[id]!.address } }
    func peer(_ id: UInt64) -> RaftPeer { nodes.withLock { $0[id]!.peer! } }
    func recorder(_ id: UInt64) -> ApplyRecorder { nodes.withLock { $0[id]!.recorder! } }
    var runningIDs: [UInt64] { nodes.withLock { $0.filter { $0.value.peer != nil }.keys.sorted() } }

    func directory(_ id: UInt64) -> String { root + "/node-\(id)" }

    /// Starts node `id`'s peer on its directory: from the address book stored there, else from
    /// `book` (a first start). Returns the peer, started.
    @discardableResult
    func start(_ id: UInt64, book: AddressBook? = nil) async throws -> RaftPeer {
        let directory = directory(id)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let bookStore = AddressBookFile(directory: directory)
        let stored = try bookStore.load()
        guard let startBook = stored ?? book else { throw ClusterError.noAddressBook(id) }
        if stored == nil { try bookStore.save(startBook) }
        var peerConfiguration = configuration
        peerConfiguration.seed = id &* 104_729 &+ UInt64.random(in: 0..<1_000)
        let connector = RaftPeerConnector(
            connect: { [self] member, address in
                let colon = address.lastIndex(of: ":")!
                let transport = HTTP2ClientTransport(
                    host: String(address[..<colon]), port: Int(address[address.index(after: colon)...])!)
                self.clients.withLock { $0["\(id)->\(member)"] = transport }
                return RaftPeerClient(wrapping: RPCClient(transport: transport))
            },
            disconnect: { [self] member in
                if let transport = self.clients.withLock({ $0.removeValue(forKey: "\(id)->\(member)") }) {
                    await transport.close()
                }
            })
        let peer = try RaftPeer(
            id: id, peers: [:], logStore: DiskRaftStore(directory: directory), configuration: peerConfiguration,
            membership: RaftPeer.MembershipSetup(addressBook: startBook, store: bookStore, connector: connector))
        let recorder = ApplyRecorder(stream: peer.applyStream)
        nodes.withLock {
            $0[id]!.peer = peer
            $0[id]!.recorder = recorder
            $0[id]!.slot.attach(peer)
        }
        await peer.start()
        return peer
    }

    /// Kills node `id`'s peer (closing its store) and its clients; its listener stays.
    func kill(_ id: UInt64) async {
        guard let peer = nodes.withLock({ node -> RaftPeer? in
            let peer = node[id]?.peer
            node[id]?.peer = nil
            node[id]?.slot.detach()
            return peer
        }) else { return }
        await peer.kill()
        let owned = clients.withLock { all in
            let keys = all.keys.filter { $0.hasPrefix("\(id)->") }
            return keys.compactMap { all.removeValue(forKey: $0) }
        }
        for transport in owned { await transport.close() }
    }

    /// Kills every peer and stops every listener.
    func shutdown() async {
        for id in nodes.withLock({ Array($0.keys) }) { await kill(id) }
        let all = nodes.withLock { nodes in
            defer { nodes = [:] }
            return Array(nodes.values)
        }
        for node in all { node.server.beginGracefulShutdown() }
        for node in all { await node.serverTask.value }
        for transport in clients.withLock({ Array($0.values) }) { await transport.close() }
    }

    /// The leader of the highest term among the running peers, waiting up to `limit`.
    func leader(within limit: Duration = .seconds(10)) async throws -> RaftPeer {
        var found: RaftPeer?
        _ = await eventually(within: limit) {
            var best: (term: UInt64, peer: RaftPeer)?
            for id in self.runningIDs {
                let status = await self.peer(id).status()
                if status.isLeader, status.term >= (best?.term ?? 0) { best = (status.term, self.peer(id)) }
            }
            found = best?.peer
            return found != nil
        }
        guard let found else { throw ClusterError.noLeader }
        return found
    }

    /// Proposes `command` on whichever running peer leads, retrying up to `limit`; returns its index.
    func propose(_ command: [UInt8], within limit: Duration = .seconds(10)) async throws -> UInt64 {
        var index: UInt64 = 0
        let ok = await eventually(within: limit) {
            for id in self.runningIDs {
                let result = await self.peer(id).propose(command)
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

    /// Runs `request` on the leader, following transfers and leader changes, up to `limit`.
    func change(_ request: MembershipRequest, force: Bool = false, within limit: Duration = .seconds(20))
        async throws -> Membership
    {
        let deadline = ContinuousClock.now + limit
        var lastError: (any Error)?
        while ContinuousClock.now < deadline {
            do {
                return try await leader().changeMembership(request, force: force, timeout: .seconds(5))
            } catch let error as RaftPeerError {
                switch error {
                // A loaded machine may leave the leader without news of a live follower for an
                // election timeout (100 ms here): the health check refuses until it hears again.
                case .notLeader, .leadershipLost, .leadershipTransferInProgress, .timeout, .stopped,
                    .membershipChangePending, .membershipChangeWouldLoseQuorum:
                    lastError = error
                    try await Task.sleep(for: .milliseconds(50))
                default:
                    throw error
                }
            }
        }
        throw lastError ?? ClusterError.noLeader
    }

    /// The error `request` meets on the leader (nil if it succeeds), asking whichever peer
    /// leads, again while leadership moves, up to `limit`.
    func refusal(of request: MembershipRequest, force: Bool = false, within limit: Duration = .seconds(20))
        async -> RaftPeerError?
    {
        let deadline = ContinuousClock.now + limit
        var last: RaftPeerError? = .timeout
        while ContinuousClock.now < deadline {
            do {
                _ = try await leader().changeMembership(request, force: force, timeout: .seconds(5))
                return nil
            } catch let error as RaftPeerError {
                switch error {
                case .notLeader, .leadershipLost, .stopped:
                    last = error
                    try? await Task.sleep(for: .milliseconds(50))
                default:
                    return error
                }
            } catch {
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        return last
    }

    enum ClusterError: Error {
        case noLeader
        case noAddressBook(UInt64)
    }
}
