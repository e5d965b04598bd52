import ArgumentParser
import RPCCore
import RPCHTTP2NIO
import RSM
import ShardController
import ShardKV

/// `skv shard serve --gid N --ctrlers HOST:PORT,... --id N --listen HOST:PORT --peer ... --data-dir
/// DIR`: one replica of ShardKV replica group N. It serves `skv.raft.Raft`,
/// `skv.shardkv.ShardKV` and `skv.shardkv.ShardMigration` on one HTTP/2 listener, follows the
/// shard controller's configurations (join the group with `skv ctrler join N=HOST:PORT,...`
/// listing every member's `--listen` address), pulls arriving shards from the groups that held
/// them, and keeps its state in DIR. The data directory's marker records the gid: a directory
/// of another group, of the controller or of `skv kv` is refused. See ``ReplicaHost`` for the
/// exit statuses.
struct ShardServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run one replica of a ShardKV replica group.")

    @Option(help: "The replica group's id (non-zero; the gid the controller knows it by).")
    var gid: UInt64

    @OptionGroup var controllers: CtrlerEndpointOptions

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var tls: TLSOptions

    @OptionGroup var metrics: MetricsOptions

    func run() async throws {
        guard gid != ShardConfig.noGroup else { fail("--gid must be positive", status: SKVCommand.exitBadOptions) }
        let ctrlers = controllers.servers()
        let host = ReplicaHost(
            options: replica, service: .shard(gid: gid), serviceName: "skv.shardkv.ShardKV", metrics: metrics, tls: tls)
        await host.run { context in
            try ShardReplica(gid: gid, context: context, ctrlers: ctrlers)
        }
    }
}

/// A ShardKV replica with the clients it owns: its controller clerk's transports and the pool
/// of clients for other groups' servers, closed after the server stops.
struct ShardReplica: ReplicaService {
    let server: ShardKVServer
    let controllerTransports: [HTTP2ClientTransport]
    let groupClients: HTTP2ClientPool
    /// The controller's addresses (the status page queries the latest configuration).
    let controllerAddresses: [String]
    /// The configuration and shard-state gauges a scrape records.
    let gauges = ShardGauges()

    /// - Throws: if the restored snapshot does not decode.
    init(gid: UInt64, context: ReplicaContext, ctrlers: [Endpoint]) throws {
        let transports = ctrlers.map { makeClientTransport(to: $0.address, tls: context.tls) }
        var clerkConfiguration = ShardCtrlerClerk.Configuration()
        clerkConfiguration.rpcTimeout = .seconds(1)
        let controller = ShardCtrlerClerk(servers: ctrlers, transports: transports, configuration: clerkConfiguration)
        let pool = HTTP2ClientPool(tls: context.tls)
        var configuration = ShardKVServer.Configuration()
        configuration.replication = context.replication
        configuration.maxSessionsPerShard = context.replication.maxSessions
        configuration.memberAddressLookup = context.memberAddressLookup
        configuration.logger = context.logger
        // On a throw nothing used the transports yet, and the host exits the process.
        server = try ShardKVServer(
            gid: gid, id: context.id, log: context.peer, restoredSnapshot: context.restoredSnapshot,
            controller: controller, makeClient: { pool.client(for: $0) }, configuration: configuration)
        controllerTransports = transports
        controllerAddresses = ctrlers.map { "\($0.address)" }
        groupClients = pool
    }

    func registerMethods(with router: inout RPCRouter) { server.registerMethods(with: &router) }

    func start() async { await server.start() }

    func stop() async {
        await server.stop()
        for transport in controllerTransports { await transport.close() }
        await groupClients.closeAll()
    }
}
