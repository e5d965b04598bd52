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

/// `skv shard status`: the latest configuration's number, then one line per server of every
/// group in it (gid, address, id, term, role, applied configuration, each shard it holds with
/// its state and key count). Exit 3 if the controller or no server answers.
struct ShardStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show every group's servers and the shards they hold.")
    @OptionGroup var options: ShardClientOptions

    func run() async throws {
        let servers = options.servers()
        let config = await withClientTransports(to: servers) { transports in
            await options.latestConfig(options.controllerClerk(servers, transports))
        }
        print("configuration \(config.num)")
        var answered = 0
        let rpcTimeout = min(options.deadline, .seconds(3))
        for gid in config.gids {
            for name in config.groups[gid] ?? [] {
                let pool = HTTP2ClientPool()
                let client = ShardKVClient(wrapping: pool.client(for: name))
                do {
                    let reply = try await client.status(options: CallOptions(timeout: rpcTimeout))
                    answered += 1
                    print(Self.line(gid: gid, server: name, reply))
                } catch {
                    print("gid=\(gid) \(name) unavailable: \(error)")
                }
                await pool.closeAll()
            }
        }
        if answered == 0 && !config.groups.isEmpty { Glibc.exit(ClientOptions.exitUnavailable) }
    }

    static func line(gid: UInt64, server: String, _ reply: ShardKVStatusReply) -> String {
        let leader = reply.leader.map { "\($0.leaderID)" } ?? "-"
        let shards = reply.shards.map { "\($0.shard):\($0.status)(\($0.keys))" }.joined(separator: ",")
        return "gid=\(gid) \(server) id=\(reply.id) term=\(reply.term) role=\(reply.isLeader ? "leader" : "follower") "
            + "leader=\(leader) applied=\(reply.appliedIndex) config=\(reply.configNum) "
            + "shards=\(shards.isEmpty ? "-" : shards)"
    }
}
