import ArgumentParser
import RPCCore
import RSM
import ShardController
import ShardKV
#if canImport(Glibc)
import Glibc
#endif

extension ShardClientOptions: KeyValueClientOptions {
    func get(_ key: [UInt8]) async -> [UInt8]? {
        await withClerk { clerk throws(ShardKVClerkError) in try await clerk.get(key) }
    }

    func put(_ key: [UInt8], _ value: [UInt8]) async {
        await withClerk { clerk throws(ShardKVClerkError) in try await clerk.put(key, value) }
    }

    func append(_ key: [UInt8], _ value: [UInt8]) async {
        await withClerk { clerk throws(ShardKVClerkError) in try await clerk.append(key, value) }
    }

    func delete(_ key: [UInt8]) async -> Bool {
        await withClerk { clerk throws(ShardKVClerkError) in try await clerk.delete(key) }
    }
}

/// `skv shard status`: the latest configuration's number, a summary line per group (the
/// controller group first; leader,
/// term, commit index, members reachable) and the shard map (shards in migration marked), then
/// one line per server of every group in the configuration (gid, address, id, term, role,
/// applied configuration, each shard it holds with its state and key count). Exit 3 if the
/// controller or no server answers.
struct ShardStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show every group's servers and the shards they hold.")
    @OptionGroup var options: ShardClientOptions

    func run() async throws {
        let servers = options.servers()
        let transportTLS = options.tls.transportTLS()
        let config = await withClientTransports(to: servers, tls: transportTLS) { transports in
            await options.latestConfig(options.controllerClerk(servers, transports))
        }
        let pool = HTTP2ClientPool(tls: transportTLS)
        let probe = ClusterProbe(pool: pool, rpcTimeout: min(options.deadline, .seconds(3)))
        var status = await probe.shardCluster(config, observer: "skv shard status")
        status.groups.insert(
            await probe.ctrlerGroup(servers.map { (id: $0.id, address: "\($0.address)") }), at: 0)
        await pool.closeAll()
        for line in status.summaryLines { print(line) }
        let shardGroups = status.groups.filter { $0.gid != nil }
        for group in shardGroups {
            for member in group.members { print(Self.line(gid: group.gid ?? 0, member)) }
        }
        let answered = shardGroups.reduce(0) { $0 + $1.reachableCount }
        if answered == 0 && !config.groups.isEmpty { Glibc.exit(ClientOptions.exitUnavailable) }
    }

    static func line(gid: UInt64, _ member: ClusterStatus.Member) -> String {
        if let error = member.error { return "gid=\(gid) \(member.address) unavailable: \(error)" }
        let text = ClusterStatus.field
        let shards = member.shards.map { "\($0.shard):\($0.state)(\($0.keys))" }.joined(separator: ",")
        return "gid=\(gid) \(member.address) id=\(text(member.id)) term=\(text(member.term)) role=\(member.role) "
            + "leader=\(text(member.leaderID)) applied=\(text(member.appliedIndex)) config=\(text(member.configNum)) "
            + "shards=\(shards.isEmpty ? "-" : shards)"
    }
}
