import ArgumentParser
import ShardController

/// `skv ctrler serve --id N --listen HOST:PORT --peer 1=HOST:PORT ... --data-dir DIR`: one
/// replica of the shard controller group. It serves `skv.raft.Raft` and
/// `skv.shardctrler.ShardCtrler` on one HTTP/2 listener and keeps the configuration history
/// in DIR, like `skv kv serve` keeps the KV state (see ``ReplicaHost`` for the exit statuses).
struct CtrlerServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run one replica of the shard controller group.")

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var tls: TLSOptions
    @OptionGroup var metrics: MetricsOptions

    func run() async throws {
        let host = ReplicaHost(
            options: replica, service: .ctrler, serviceName: "skv.shardctrler.ShardCtrler", metrics: metrics, tls: tls)
        await host.run { context in
            var configuration = ShardCtrlerServer.Configuration()
            configuration.replication = context.replication
            configuration.memberAddressLookup = context.memberAddressLookup
            configuration.logger = context.logger
            return try ShardCtrlerServer(
                id: context.id, log: context.peer, restoredSnapshot: context.restoredSnapshot,
                configuration: configuration)
        }
    }
}

extension ShardCtrlerServer: ReplicaService {}
