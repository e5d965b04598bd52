import ArgumentParser
import KVRaft
import RPCCore
import RPCHTTP2NIO

/// `skv kv bench`: a bounded mixed workload (get/put/append/delete on a few keys) from several
/// clerks, with a progress line per second and a summary: operations, ops/s, p50/p99 latency,
/// leader changes seen by polling `Status`, and whether the recorded history is linearizable
/// (see ``BenchRun``). Exit 0 if linearizable, 1 if not, 3 if no operation completed.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Run a mixed workload and check it.")

    @OptionGroup var options: ClientOptions

    @OptionGroup var bench: BenchOptions

    @Option(help: "Distinct keys.")
    var keys: Int = 5

    func run() async throws {
        BenchRun.checkOptions(
            duration: bench.duration, clients: bench.clients, keys: keys, valueBytes: bench.valueBytes)
        let addresses = options.addresses()
        let leaders = LeaderChanges()

        var transports: [HTTP2ClientTransport] = []
        var clerks: [Clerk] = []
        for _ in 0..<bench.clients {
            let clientTransports = addresses.map { HTTP2ClientTransport(host: $0.host, port: $0.port) }
            transports += clientTransports
            var configuration = Clerk.Configuration()
            configuration.operationTimeout = .seconds(5)
            configuration.rpcTimeout = .seconds(1)
            let clerk = Clerk(
                servers: clientTransports.map { Clerk.Server(client: KVClient(wrapping: RPCClient(transport: $0))) },
                configuration: configuration)
            clerks.append(clerk)
        }
        let performers: [BenchRun.Perform] = clerks.map { clerk in { input in await clerk.perform(input) } }
        let names = (0..<keys).map { "key\($0)" }
        let first = clerks[0]
        let values = await BenchRun.readValues(of: names) { input in await first.perform(input) }
        let run = BenchRun(
            duration: bench.duration, keys: names, initialValues: values, workload: bench.workload,
            valueBytes: bench.valueBytes)
        let watchTransports = addresses.map { HTTP2ClientTransport(host: $0.host, port: $0.port) }
        await run.run(performers) {
            let watchClients = watchTransports.map { KVClient(wrapping: RPCClient(transport: $0)) }
            await run.watch {
                // The first server that says it leads.
                for (client, address) in zip(watchClients, addresses) {
                    guard let reply = try? await client.status(options: CallOptions(timeout: .milliseconds(200))),
                        reply.isLeader
                    else { continue }
                    leaders.observe(group: 0, term: reply.term, id: reply.id, name: "\(reply.id) (\(address))")
                    break
                }
            } describe: {
                "leader=\(leaders.leader(of: 0)) leader-changes=\(leaders.changes)"
            }
        }
        for transport in transports + watchTransports { await transport.close() }
        run.finish(extra: "leader-changes=\(leaders.changes)")
    }
}
