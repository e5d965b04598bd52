import ServiceLifecycle

/// A replica's service (KV, controller or ShardKV server) as a lifecycle service: started in
/// `run` (it applies the log from then on), stopped at shutdown, after the listener has
/// drained and before the Raft peer is killed, so requests still waiting on it fail with a
/// retryable outcome rather than hang.
struct ReplicaServiceLifecycle: NamedService {
    let replica: any ReplicaService

    func run() async throws {
        await replica.start()
        try? await gracefulShutdown()
        await replica.stop()
    }
}
