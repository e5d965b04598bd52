import RPCCore
import RPCHTTP2NIO
import ShardController
import ShardKV

/// Status RPCs (`skv.shardkv.ShardKV/Status`; a `Query` for a controller) to each daemon of a
/// ``ShardDeployment`` over long-lived transports with a short back-off.
final class ShardDeploymentProbe: Sendable {
    private let ctrlers: [HTTP2ClientTransport]
    private let groups: [UInt64: [HTTP2ClientTransport]]
    private static let timeout: Duration = .milliseconds(500)

    init(_ deployment: ShardDeployment) {
        func transports(_ cluster: SKVProcessCluster) -> [HTTP2ClientTransport] {
            (0..<3).map { ShardDeployment.transport(port: cluster.ports[$0], host: cluster.hosts[$0]) }
        }
        ctrlers = transports(deployment.ctrlers)
        var groups: [UInt64: [HTTP2ClientTransport]] = [:]
        for gid in deployment.gids {
            groups[gid] = deployment.groups[gid].map(transports)
        }
        self.groups = groups
    }

    func status(_ gid: UInt64, _ i: Int) async -> ShardKVStatusReply? {
        guard let transport = groups[gid]?[i] else { return nil }
        return try? await ShardKVClient(wrapping: RPCClient(transport: transport)).status(
            options: CallOptions(timeout: Self.timeout))
    }

    /// Whether `daemon` answers its status call (a controller that is not the leader answers
    /// its `Query` too).
    func answers(_ daemon: ShardDeployment.Daemon) async -> Bool {
        if let gid = daemon.gid { return await status(gid, daemon.index) != nil }
        let client = ShardCtrlerClient(wrapping: RPCClient(transport: ctrlers[daemon.index]))
        return (try? await client.query(QueryRequest(), options: CallOptions(timeout: Self.timeout))) != nil
    }

    /// Every shard daemon's `Status`, by gid and index (`nil`: no answer).
    func shardStatuses() async -> [UInt64: [ShardKVStatusReply?]] {
        var result: [UInt64: [ShardKVStatusReply?]] = [:]
        for gid in groups.keys.sorted() {
            for i in 0..<3 { result[gid, default: []].append(await status(gid, i)) }
        }
        return result
    }

    /// The index of the replica of `gid` that says it leads in the highest term, polling up to `limit`.
    func leader(of gid: UInt64, within limit: Duration) async -> Int? {
        let deadline = ContinuousClock.now + limit
        repeat {
            var leaders: [(Int, UInt64)] = []
            for i in 0..<3 {
                if let status = await status(gid, i), status.isLeader { leaders.append((i, status.term)) }
            }
            if let best = leaders.max(by: { $0.1 < $1.1 }) { return best.0 }
            try? await Task.sleep(for: .milliseconds(100))
        } while ContinuousClock.now < deadline
        return nil
    }

    func close() async {
        for transport in ctrlers + groups.values.flatMap({ $0 }) { await transport.close() }
    }
}
