/// Serves registered services over one server transport.
///
/// `serve()` runs until the transport stops (after ``beginGracefulShutdown()``, once in-flight
/// calls have finished). The server enforces each call's deadline: when it passes, the handler
/// task is cancelled and the client receives `DEADLINE_EXCEEDED`.
public struct RPCServer: Sendable {
    public let transport: any ServerTransport
    public let router: RPCRouter

    public init(transport: any ServerTransport, services: [any RegistrableRPCService]) {
        var router = RPCRouter()
        for service in services { service.registerMethods(with: &router) }
        self.init(transport: transport, router: router)
    }

    public init(transport: any ServerTransport, router: RPCRouter) {
        self.transport = transport
        self.router = router
    }

    public func serve() async throws {
        let router = self.router
        try await transport.listen { stream, context in
            await Self.handle(stream: stream, context: context, router: router)
        }
    }

    public func beginGracefulShutdown() {
        transport.beginGracefulShutdown()
    }

    static func handle(stream: ServerStream, context: ServerContext, router: RPCRouter) async {
        guard let deadline = context.deadline else {
            await router.handle(stream: stream, context: context)
            return
        }
        // Race the handler against its deadline; whichever finishes first ends the call (the
        // transport ignores response parts written after the status).
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await router.handle(stream: stream, context: context)
            }
            group.addTask {
                do {
                    try await Task.sleep(until: deadline, clock: .continuous)
                } catch {
                    return  // cancelled: the handler finished first
                }
                try? await stream.outbound.write(
                    .status(Status(code: .deadlineExceeded, message: "Deadline exceeded."), [:]))
                await stream.outbound.finish()
            }
            await group.next()
            group.cancelAll()
        }
    }
}
