import ArgumentParser
import Linearizability
import RPCCore
import RPCHTTP2NIO
import ShardController
import ShardKV
import Synchronization

/// `skv shard bench`: a bounded mixed workload (get/put/append/delete) on keys spread over
/// every shard, from several clerks routed through the controllers, with a progress line per
/// second (operations, the latest configuration, each group's leader) and a summary:
/// operations, ops/s, p50/p99 latency, leader changes seen by polling every server's `Status`,
/// and whether the recorded history is linearizable (see ``BenchRun``). `--stall-report` adds
/// one line per shard: the longest operation and the longest gap between completed operations
/// (how long clients of that shard were stalled, e.g. while it moved).
///
/// Exit 0 if linearizable, 1 if not, 2 for invalid options, 3 if no controller answers, no
/// group has joined, or no operation completed.
struct ShardBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Run a mixed workload over every shard and check it.")

    /// Longest one workload operation may take before it counts as failed (pending).
    static let operationTimeout: Duration = .seconds(5)
    /// How often the watcher re-reads the configuration.
    static let configRefreshInterval: Duration = .seconds(1)
    /// Longest one `Status` call of the watcher may take.
    static let statusTimeout: Duration = .milliseconds(200)

    @OptionGroup var options: ShardClientOptions
    @OptionGroup var bench: BenchOptions

    @Option(help: "Distinct keys, spread over the shards (key i lives in shard i mod \(ShardConfig.shardCount)).")
    var keys: Int = 2 * ShardConfig.shardCount

    @Flag(name: .customLong("stall-report"), help: "Print each shard's longest operation and longest gap.")
    var stallReport = false

    func run() async throws {
        BenchRun.checkOptions(
            duration: bench.duration, clients: bench.clients, keys: keys, valueBytes: bench.valueBytes)
        let servers = options.servers()
        let tls = options.tls.transportTLS()
        // The watcher's and each client's connections; closed at the end.
        var controllerTransports: [HTTP2ClientTransport] = []
        var pools: [HTTP2ClientPool] = []
        func controllerClerk() -> ShardCtrlerClerk {
            let transports = servers.map { makeClientTransport(to: $0.address, tls: tls) }
            controllerTransports += transports
            return options.controllerClerk(servers, transports)
        }
        let watchController = controllerClerk()
        let first = await options.latestConfig(watchController)
        guard !first.groups.isEmpty else {
            fail(
                "unavailable: no group has joined (configuration \(first.num)); see skv ctrler join",
                status: ClientOptions.exitUnavailable)
        }
        let watch = ConfigWatch(first)
        let leaders = LeaderChanges()

        // Each client its own connections (like `skv kv bench`), controller clerk and clerk.
        var clerks: [ShardKVClerk] = []
        for _ in 0..<bench.clients {
            let pool = HTTP2ClientPool(tls: tls)
            pools.append(pool)
            var configuration = ShardKVClerk.Configuration()
            configuration.operationTimeout = Self.operationTimeout
            configuration.rpcTimeout = .seconds(1)
            let clerk = ShardKVClerk(
                controller: controllerClerk(), makeClient: { pool.client(for: $0) }, configuration: configuration)
            clerks.append(clerk)
        }
        // Each clerk's first operation reads the configuration and connects: not on the clock.
        // (A Get changes nothing, so leaving it out of the history keeps the check sound.)
        for clerk in clerks { _ = try? await clerk.get(Array(Self.key(0).utf8)) }
        let names = (0..<keys).map(Self.key)
        let reader = clerks[0]
        let values = await BenchRun.readValues(of: names) { input in await reader.perform(input) }
        let run = BenchRun(
            duration: bench.duration, keys: names, initialValues: values, workload: bench.workload,
            valueBytes: bench.valueBytes)
        let performers: [BenchRun.Perform] = clerks.map { clerk in { input in await clerk.perform(input) } }
        let watchPool = HTTP2ClientPool(tls: tls)
        await run.run(performers) {
            var lastRefresh = ContinuousClock.now
            await run.watch {
                if ContinuousClock.now - lastRefresh >= Self.configRefreshInterval {
                    if let latest = try? await watchController.query() { watch.update(latest) }
                    lastRefresh = ContinuousClock.now
                }
                await Self.pollLeaders(of: watch.config, watchPool, into: leaders)
            } describe: {
                let config = watch.config
                let groups = config.gids.map { "\($0):\(leaders.leader(of: $0))" }.joined(separator: " ")
                return "config=\(config.num) leaders=[\(groups)] leader-changes=\(leaders.changes)"
            }
        }
        for pool in pools + [watchPool] { await pool.closeAll() }
        for transport in controllerTransports { await transport.close() }
        if stallReport {
            for line in Self.stalls(run.operations) { print(line) }
        }
        run.finish(extra: "config=\(watch.config.num) leader-changes=\(leaders.changes)")
    }

    /// Key `i`: its first byte puts it in shard `i % shardCount` (``key2shard(_:)``), and its
    /// name says so: `2/shard0/0`, `3/shard1/0`, ….
    static func key(_ i: Int) -> String {
        let count = ShardConfig.shardCount
        let shard = i % count
        // The digit whose ASCII code is `shard` modulo `count`.
        let digit = ((shard - Int(UInt8(ascii: "0"))) % count + count) % count
        return "\(digit)/shard\(shard)/\(i / count)"
    }

    /// Asks every server of `config` for its status at once and records each leader.
    static func pollLeaders(of config: ShardConfig, _ pool: HTTP2ClientPool, into leaders: LeaderChanges) async {
        await withTaskGroup(of: Void.self) { group in
            for gid in config.gids {
                for server in config.groups[gid] ?? [] {
                    group.addTask {
                        let client = ShardKVClient(wrapping: pool.client(for: server))
                        guard let reply = try? await client.status(options: CallOptions(timeout: statusTimeout)),
                            reply.isLeader
                        else { return }
                        leaders.observe(group: reply.gid, term: reply.term, id: reply.id, name: "\(reply.id)")
                    }
                }
            }
        }
    }

    /// One line per shard: `stall: shard=S ops=N pending=P max-latency=Xms max-gap=Yms` —
    /// completed and pending operations on its keys, the longest completed operation, and the
    /// longest time between two consecutive completions on the shard.
    static func stalls(_ history: [BenchRun.Operation]) -> [String] {
        (0..<ShardConfig.shardCount).map { shard in
            let operations = history.filter { key2shard(Array($0.input.key.utf8)) == shard }
            let completed = operations.filter { !$0.isPending }
            let latency = completed.map { $0.return! - $0.call }.max() ?? 0
            let returns = completed.map { $0.return! }.sorted()
            let gap = zip(returns, returns.dropFirst()).map { $1 - $0 }.max() ?? 0
            return "stall: shard=\(shard) ops=\(completed.count) pending=\(operations.count - completed.count) "
                + "max-latency=\(milliseconds(latency)) max-gap=\(milliseconds(gap))"
        }
    }
}

/// The latest configuration ``ShardBenchCommand``'s watcher has read.
private final class ConfigWatch: Sendable {
    private let latest: Mutex<ShardConfig>

    init(_ config: ShardConfig) { latest = Mutex(config) }

    var config: ShardConfig { latest.withLock { $0 } }

    /// Keeps `config` if it is newer.
    func update(_ config: ShardConfig) {
        latest.withLock { if config.num > $0.num { $0 = config } }
    }
}
