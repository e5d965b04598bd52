import CoreMetrics
import Logging
import NIOCore
import NIOHTTP1
import Prometheus
import RaftRuntime

/// A daemon's `--metrics-listen` side: the Prometheus metrics system (bootstrapped at once,
/// before the store, the peer and the RPC server make their metric handles), then, once the
/// replica serves, the ``MonitoringHTTPServer`` with three routes:
///
/// - `/metrics`: Prometheus text; the gauges that are state (Raft term, leader, indexes, the
///   service's sessions and shards, the process's memory and descriptors) are read when
///   scraped, the counters and histograms are recorded where things happen;
/// - `/status.json`: the whole cluster as the service's ``MonitoredReplica`` probes it;
/// - `/`: the ``StatusPage`` that polls `/status.json` every second.
///
/// Without `--metrics-listen` it does nothing (the metric handles stay no-ops).
actor ReplicaMonitoring {
    private let address: Address?
    private let registry: PrometheusCollectorRegistry?
    private var serving: (server: MonitoringHTTPServer, task: Task<Void, Never>, pool: HTTP2ClientPool)?

    /// Validates `options` (exit 2 for a malformed address) and, if monitoring is on,
    /// bootstraps the metrics system. Call before anything makes a metric handle.
    init(options: MetricsOptions) {
        do throws(SKVError) {
            address = try options.validated()
        } catch {
            fail(error.message, status: SKVCommand.exitBadOptions)
        }
        registry = address.map { _ in Self.bootstrapMetrics() }
    }

    /// Serves the monitoring routes for `replica`; exits the process (status 1) if the
    /// address cannot be bound.
    func start(context: ReplicaContext, replica: any ReplicaService, group: any EventLoopGroup) async {
        guard let address, let registry else { return }
        guard let monitored = replica as? any MonitoredReplica else {
            preconditionFailure("\(type(of: replica)) does not implement MonitoredReplica")
        }
        let pool = HTTP2ClientPool(tls: context.tls)
        let scrape = ScrapeGauges()
        let probe = ClusterProbe(pool: pool)
        let route: MonitoringHTTPServer.Route = { path in
            switch path {
            case "/metrics":
                await scrape.record(context.peer)
                await monitored.recordGauges(scrape.service)
                return .init(
                    status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8",
                    body: registry.emitToBuffer())
            case "/status.json":
                let status = await monitored.clusterStatus(probe: probe, context: context)
                return .init(
                    status: .ok, contentType: "application/json", body: Array(status.json.text.utf8))
            case "/", "/index.html":
                return .init(status: .ok, contentType: "text/html; charset=utf-8", body: Array(StatusPage.html.utf8))
            default:
                return .notFound(path)
            }
        }
        let server: MonitoringHTTPServer
        do {
            server = try await MonitoringHTTPServer.bind(
                host: address.host, port: address.port, group: group, route: route)
        } catch {
            fail("cannot listen on \(address) (--metrics-listen): \(error)", status: ReplicaHost.exitStartFailure)
        }
        serving = (server, Task { await server.run() }, pool)
        context.logger.info(
            "serving metrics and the status page",
            metadata: ["metrics-listen": "\(Address(host: address.host, port: server.port))"])
    }

    /// Stops serving (open scrapes are dropped) and closes the probe's clients.
    func stop() async {
        guard let serving else { return }
        self.serving = nil
        serving.task.cancel()
        await serving.task.value
        await serving.pool.closeAll()
    }

    /// A Prometheus registry behind swift-metrics, with latency buckets from 50 µs (the RPCs
    /// and fsyncs here are sub-millisecond) and size buckets for the Raft append histograms.
    private static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
            .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
            .seconds(5), .seconds(10),
        ]
        factory.valueHistogramBuckets["skv_raft_append_entries"] = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
        factory.valueHistogramBuckets["skv_raft_append_bytes"] = [
            0, 64, 256, 1024, 4096, 16384, 65536, 262_144, 1_048_576, 4_194_304, 16_777_216,
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }
}

/// What a replica's service adds to its monitoring.
protocol MonitoredReplica: Sendable {
    /// Records the service's state gauges (sessions; ShardKV: configuration and shards).
    func recordGauges(_ gauges: ServiceGauges) async
    /// The cluster this replica belongs to, asked through `probe`.
    func clusterStatus(probe: ClusterProbe, context: ReplicaContext) async -> ClusterStatus
}
