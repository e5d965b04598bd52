import KVRaft
import LabHarness
import RaftRuntime
import RPCCore
import RSM
import Simulation

/// A one-server KVRaft group on a reliable simulated network: a `RaftPeer` with no peers (it
/// elects itself after one election timeout), its `KVServer`, and client ends to it.
final class OneNodeGroup: Sendable {
    let network = SimulatedNetwork(seed: 1)
    let persister: SimulatedPersister
    let peer: RaftPeer
    let server: KVServer

    init(configuration: KVServer.Configuration = KVServer.Configuration(), persister: SimulatedPersister = SimulatedPersister())
        async throws
    {
        self.persister = persister
        peer = try RaftPeer(id: 1, peers: [:], store: LabStore(persister: persister))
        server = try KVServer(
            id: 1, log: peer, restoredSnapshot: try RestoredSnapshot(persistedRaftSnapshot: persister.readSnapshot()),
            configuration: configuration)
        var router = RPCRouter()
        server.registerMethods(with: &router)
        network.addServer(name: "kv", router: router)
        await server.start()
        await peer.start()
    }

    /// A client end to the server; enabled unless `enabled` is false.
    func client(_ name: String, enabled: Bool = true) -> RPCClient {
        let end = network.makeEnd(name: name)
        network.connect(end: name, to: "kv")
        network.enable(end: name, enabled)
        return RPCClient(transport: end)
    }

    func clerk(_ name: String, configuration: Clerk.Configuration = Clerk.Configuration()) -> Clerk {
        Clerk(servers: [Clerk.Server(client: KVClient(wrapping: client(name)), id: 1)], configuration: configuration)
    }

    func shutdown() async {
        await peer.kill()
        await server.stop()
        network.cleanup()
    }
}
