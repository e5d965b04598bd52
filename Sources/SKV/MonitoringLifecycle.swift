import NIOCore
import ServiceLifecycle

/// The replica's metrics and status server (``ReplicaMonitoring``, `--metrics-listen`) as a
/// lifecycle service: it serves from `run` until shutdown, stopping after the RPC listener has
/// drained (so a scrape during a graceful stop still answers) and before the service and the
/// Raft peer stop. Without `--metrics-listen` it only waits.
struct MonitoringLifecycle: NamedService {
    let monitoring: ReplicaMonitoring
    let context: ReplicaContext
    let replica: any ReplicaService
    let group: any EventLoopGroup

    func run() async throws {
        await monitoring.start(context: context, replica: replica, group: group)
        try? await gracefulShutdown()
        await monitoring.stop()
    }
}
