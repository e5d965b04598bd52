import Foundation
import RPCCore
import RPCHTTP2NIO
import ShardController
import ShardKV

/// The sharded service as processes: three `skv ctrler serve` daemons (`root/ctrler`) and a
/// group of three `skv shard serve` daemons per gid (`root/g<gid>`), on loopback ports, and
/// clerks of it over HTTP/2.
final class ShardDeployment {
    /// One daemon: index `index` (0-based) of `cluster`; `gid` is `nil` for a controller.
    struct Daemon: CustomStringConvertible {
        let cluster: SKVProcessCluster
        let index: Int
        let gid: UInt64?

        var description: String { "\(gid.map { "g\($0)" } ?? "ctrler") node \(index + 1)" }
        var logTail: String { cluster.logTail(index) }
    }

    let ctrlers: SKVProcessCluster
    let groups: [UInt64: SKVProcessCluster]

    init(root: String, gids: [UInt64]) throws {
        try Self.makeDirectories(root: root, gids: gids)
        ctrlers = try SKVProcessCluster(root: root + "/ctrler", daemon: .ctrler)
        var groups: [UInt64: SKVProcessCluster] = [:]
        for gid in gids {
            groups[gid] = try SKVProcessCluster(
                root: root + "/g\(gid)", daemon: .shard(gid: gid, ctrlers: ctrlers.endpoints),
                avoiding: ctrlers.ports + groups.values.flatMap(\.ports))
        }
        self.groups = groups
    }

    /// Replica `i` of the controllers and of every group runs on host `i` of `lab` (in its
    /// namespace), the controllers on port ``labCtrlerPort``, group `gid` on `labCtrlerPort + gid`.
    init(root: String, gids: [UInt64], lab: NetworkLab) throws {
        precondition(lab.hostCount == 3, "three hosts: one replica of each group on each")
        try Self.makeDirectories(root: root, gids: gids)
        let namespaces = (0..<3).map { lab.namespace($0) }
        func cluster(_ name: String, _ daemon: SKVDaemon, port: Int) -> SKVProcessCluster {
            SKVProcessCluster(
                root: "\(root)/\(name)", daemon: daemon, hosts: lab.addresses, ports: [port, port, port],
                metricsPorts: [], namespaces: namespaces)
        }
        ctrlers = cluster("ctrler", .ctrler, port: Self.labCtrlerPort)
        var groups: [UInt64: SKVProcessCluster] = [:]
        for gid in gids {
            groups[gid] = cluster(
                "g\(gid)", .shard(gid: gid, ctrlers: ctrlers.endpoints), port: Self.labCtrlerPort + Int(gid))
        }
        self.groups = groups
    }

    /// The controllers' port on every host of a ``NetworkLab``.
    static let labCtrlerPort = 7000

    private static func makeDirectories(root: String, gids: [UInt64]) throws {
        for name in ["ctrler"] + gids.map({ "g\($0)" }) {
            try FileManager.default.createDirectory(atPath: "\(root)/\(name)", withIntermediateDirectories: true)
        }
    }

    var gids: [UInt64] { groups.keys.sorted() }

    /// The controllers, then each group's daemons by gid.
    var daemons: [Daemon] {
        (0..<3).map { ctrler($0) } + gids.flatMap { gid in (0..<3).map { shardDaemon(gid, $0) } }
    }

    func ctrler(_ i: Int) -> Daemon { Daemon(cluster: ctrlers, index: i, gid: nil) }

    func shardDaemon(_ gid: UInt64, _ i: Int) -> Daemon {
        guard let cluster = groups[gid] else { preconditionFailure("no group \(gid) in the deployment") }
        return Daemon(cluster: cluster, index: i, gid: gid)
    }

    /// Group `gid`'s servers as configurations list them (`HOST:PORT`).
    func servers(of gid: UInt64) -> [String] { groups[gid]?.addresses ?? [] }

    func startAll() throws {
        try ctrlers.startAll()
        for gid in gids { try groups[gid]?.startAll() }
    }

    /// SIGKILLs whatever still runs (cleanup; never throws).
    func killAll() {
        ctrlers.killAll()
        for cluster in groups.values { cluster.killAll() }
    }

    /// Crashes and start refusals in every daemon's log.
    func logProblems() -> [String] {
        StressChecks.logProblems(root: ctrlers.root, label: "ctrler/")
            + gids.flatMap { StressChecks.logProblems(root: groups[$0]?.root ?? "", label: "g\($0)/") }
    }

    static func transport(port: Int, host: String = "127.0.0.1") -> HTTP2ClientTransport {
        HTTP2ClientTransport(
            host: host, port: port,
            configuration: KVProcessTests.KVProcessStressTests.clientTransportConfiguration())
    }

    /// A controller clerk over its own transports (close them after use).
    func ctrlerClerk(operationTimeout: Duration) -> (ShardCtrlerClerk, [HTTP2ClientTransport]) {
        let transports = (0..<3).map { Self.transport(port: ctrlers.ports[$0], host: ctrlers.hosts[$0]) }
        var configuration = ShardCtrlerClerk.Configuration()
        configuration.operationTimeout = operationTimeout
        configuration.rpcTimeout = .seconds(1)
        let clerk = ShardCtrlerClerk(
            servers: transports.enumerated().map { i, transport in
                ShardCtrlerClerk.Server(
                    client: ShardCtrlerClient(wrapping: RPCClient(transport: transport)), id: UInt64(i + 1),
                    address: ctrlers.addresses[i])
            },
            configuration: configuration)
        return (clerk, transports)
    }

    /// A ShardKV clerk (with its own controller clerk) over its own transports (close them
    /// after use).
    func shardClerk(operationTimeout: Duration) -> (ShardKVClerk, [HTTP2ClientTransport]) {
        var byServer: [String: HTTP2ClientTransport] = [:]
        for cluster in groups.values {
            for i in 0..<3 {
                byServer[cluster.addresses[i]] = Self.transport(port: cluster.ports[i], host: cluster.hosts[i])
            }
        }
        let (controller, ctrlerTransports) = ctrlerClerk(operationTimeout: .seconds(2))
        var configuration = ShardKVClerk.Configuration()
        configuration.operationTimeout = operationTimeout
        configuration.rpcTimeout = .seconds(1)
        let servers = byServer
        let clerk = ShardKVClerk(
            controller: controller,
            makeClient: { name in
                guard let transport = servers[name] else { preconditionFailure("no daemon listens at \(name)") }
                return RPCClient(transport: transport)
            }, configuration: configuration)
        return (clerk, Array(byServer.values) + ctrlerTransports)
    }
}
