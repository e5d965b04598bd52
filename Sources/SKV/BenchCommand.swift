import ArgumentParser
import BenchSupport
import KVRaft
import NIOCore
import NIOPosix
import RPCCore
import RPCHTTP2NIO

/// `skv kv bench`: a bounded workload (`--workload`: mixed get/put/append/delete, or puts or
/// gets alone, on a few keys) from several clerks, with a progress line per second and a
/// summary: operations, ops/s, p50/p99/p99.9 latency, leader changes seen by polling `Status`,
/// and whether the recorded history is linearizable (see ``BenchRun``). Exit 0 if
/// linearizable, 1 if not, 3 if no operation completed.
///
/// The clerks share `--connections` sets of HTTP/2 connections (one per server each), and each
/// clerk runs on its set's event loop, as a Swift program making many calls should: then a
/// call and its reply cost no thread wake-ups, and the client leaves the cores to the servers.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Run a mixed workload and check it.")

    @OptionGroup var options: ClientOptions

    @OptionGroup var bench: BenchOptions

    @Option(help: "Distinct keys.")
    var keys: Int = 5

    /// One by default: every clerk's calls share one connection per server, and the
    /// connection writes their requests a few at a time (`maxRequestsPerWrite`), as a Swift
    /// program with one transport per server does. Measured on 2026-12-06 with that write limit
    /// (3 local members, 16 and 64 clerks' Gets): 1, 2 and 4 connections within noise of each
    /// other (4 connections had given 18–27 % more Gets per second before the limit).
    @Option(help: "HTTP/2 connections to each server, shared by the clients round-robin.")
    var connections: Int = 1

    @Option(help: "Event-loop threads the clients and their connections run on.")
    var threads: Int = 1

    /// What each client runs (``BenchLayer``): the clerk by default; `client` and `rpc` call
    /// the leader directly, to measure which layer a client's cost per operation comes from.
    @Option(help: "Client stack to run: clerk, client (KVClient at the leader) or rpc (prepared bytes at the leader).")
    var layer: BenchLayer = .clerk

    /// The RPC deadline of every call (the clerks' `rpcTimeout`; the other layers' calls too).
    static let rpcTimeout: Duration = .seconds(1)

    func run() async throws {
        BenchRun.checkOptions(
            duration: bench.duration, clients: bench.clients, keys: keys, valueBytes: bench.valueBytes)
        guard connections > 0, threads > 0 else {
            fail("--connections and --threads must be positive", status: SKVCommand.exitBadOptions)
        }
        guard layer == .clerk || bench.workload != .mixed else {
            fail("--layer \(layer.rawValue) runs --workload put or get", status: SKVCommand.exitBadOptions)
        }
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let servers = options.servers()
        let addresses = servers.map(\.address)
        let leaders = LeaderChanges()
        let tls = options.tls.transportTLS()

        // Clerk i uses connection set i mod --connections (HTTP/2 multiplexes their calls) and
        // runs on that set's event loop, so its calls and replies wake no other thread.
        let transports = (0..<min(connections, bench.clients)).map { _ in
            let loop = loops.next()
            return addresses.map { makeClientTransport(to: $0, tls: tls, group: loop) }
        }
        var clerks: [Clerk] = []
        for client in 0..<bench.clients {
            var configuration = Clerk.Configuration()
            configuration.operationTimeout = .seconds(5)
            configuration.rpcTimeout = Self.rpcTimeout
            let clerk = Clerk(
                servers: zip(servers, transports[client % transports.count]).map { server, transport in
                    Clerk.Server(
                        client: KVClient(wrapping: RPCClient(transport: transport)), id: server.id,
                        address: "\(server.address)")
                },
                configuration: configuration)
            clerks.append(clerk)
        }
        let names = (0..<keys).map { "key\($0)" }
        let first = clerks[0]
        let values = await BenchRun.readValues(of: names) { input in await first.perform(input) }
        let watchTransports = addresses.map { makeClientTransport(to: $0, tls: tls) }
        let watchClients = watchTransports.map { KVClient(wrapping: RPCClient(transport: $0)) }
        let performers: [BenchRun.Perform]
        if layer == .clerk {
            performers = clerks.map { clerk in { input in await clerk.perform(input) } }
        } else {
            guard let (leader, _) = await Self.firstLeader(watchClients, timeout: Self.rpcTimeout) else {
                fail("unavailable: no server says it leads", status: ClientOptions.exitUnavailable)
            }
            let leaderClients = (0..<bench.clients).map {
                KVClient(wrapping: RPCClient(transport: transports[$0 % transports.count][leader]))
            }
            performers = layer.leaderPerformers(
                leaderClients, workload: bench.workload, key: names[0],
                value: BenchValue.make(client: 0, sequence: 0, valueBytes: bench.valueBytes), timeout: Self.rpcTimeout)
        }
        let run = BenchRun(
            duration: bench.duration, keys: names, initialValues: values, workload: bench.workload,
            valueBytes: bench.valueBytes, recordsHistory: layer.recordsHistory)
        let executors = (0..<bench.clients).map { transports[$0 % transports.count][0].taskExecutor }
        await run.run(performers, executors: executors) {
            await run.watch {
                guard let (index, reply) = await Self.firstLeader(watchClients, timeout: .milliseconds(200)) else {
                    return
                }
                leaders.observe(group: 0, term: reply.term, id: reply.id, name: "\(reply.id) (\(addresses[index]))")
            } describe: {
                "leader=\(leaders.leader(of: 0)) leader-changes=\(leaders.changes)"
            }
        }
        for transport in transports.joined() + watchTransports { await transport.close() }
        try? await loops.shutdownGracefully()
        run.finish(extra: "leader-changes=\(leaders.changes)")
    }

    /// The first of `clients` (its index and `Status` reply) whose server says it leads, each
    /// asked in turn with deadline `timeout`; `nil` if none does.
    private static func firstLeader(_ clients: [KVClient], timeout: Duration) async -> (Int, StatusReply)? {
        for (index, client) in clients.enumerated() {
            if let reply = try? await client.status(options: CallOptions(timeout: timeout)), reply.isLeader {
                return (index, reply)
            }
        }
        return nil
    }
}
