import ArgumentParser
import KVRaft

/// `skv kv serve --id N --listen HOST:PORT --peer 1=HOST:PORT ... --data-dir DIR`: one replica
/// of the KV group. It serves `skv.raft.Raft` and `skv.kv.KV` on one HTTP/2 listener, reaches
/// the other members over HTTP/2, and persists its Raft state in DIR (a `DiskRaftStore`),
/// restoring the KV state from the latest snapshot on restart. See ``ReplicaHost`` for the
/// exit statuses.
struct KVServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run one replica of the KV group.")

    @OptionGroup var replica: ReplicaOptions
    @OptionGroup var tls: TLSOptions
    @OptionGroup var metrics: MetricsOptions

    func run() async throws {
        let host = ReplicaHost(options: replica, service: .kv, serviceName: "skv.kv.KV", metrics: metrics, tls: tls)
        await host.run { context in
            var configuration = KVServer.Configuration()
            configuration.replication = context.replication
            configuration.memberAddressLookup = context.memberAddressLookup
            return try KVServer(
                id: context.id, log: context.peer, restoredSnapshot: context.restoredSnapshot,
                configuration: configuration)
        }
    }
}

extension KVServer: ReplicaService {}
