import RPCCore
import ServiceLifecycle

/// The replica's one listener (Raft, the service, migrations) as a lifecycle service. At
/// graceful shutdown it stops accepting connections and calls (HTTP/2 GOAWAY) and lets calls
/// in flight finish for at most `grace`, while the service and the Raft peer still run, so a
/// write already proposed commits and is answered; then the remaining calls are cancelled.
/// Cancelling the group cancels the calls at once. A listener that fails (cannot bind, or
/// fails later) ends `run` with its error, which stops the whole replica.
struct RPCServerLifecycle: NamedService {
    let server: RPCServer
    /// How long calls in flight get to finish after a graceful shutdown began.
    let grace: Duration

    func run() async throws {
        let server = self.server
        let grace = self.grace
        let serving = Task { try await server.serve() }
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await serving.value
            } onGracefulShutdown: {
                server.beginGracefulShutdown()
                Task {
                    try? await Task.sleep(for: grace)
                    serving.cancel()
                }
            }
        } onCancel: {
            serving.cancel()
        }
    }
}
