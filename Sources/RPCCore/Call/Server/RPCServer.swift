/// Serves registered services over one server transport.
///
/// `serve()` runs until the transport stops (after ``beginGracefulShutdown()``, once in-flight
/// calls have finished). Each call's deadline is enforced: when it passes, the handler task is
/// cancelled and the client receives `DEADLINE_EXCEEDED` (by the transport if it
/// ``ServerTransport/enforcesDeadlines``, on its I/O thread; otherwise by a timer task here).
/// With an ``authorization``, calls it refuses are answered with its status and never reach a
/// handler.
public struct RPCServer: Sendable {
    public let transport: any ServerTransport
    public let router: RPCRouter
    /// Who may call the member-only services; `nil` lets every caller call everything.
    public let authorization: PeerAuthorization?
    /// Begun by ``beginGracefulShutdown()``; every call's ``ServerContext/draining``.
    public let draining = ServerDraining()

    public init(
        transport: any ServerTransport, services: [any RegistrableRPCService], authorization: PeerAuthorization? = nil
    ) {
        var router = RPCRouter()
        for service in services { service.registerMethods(with: &router) }
        self.init(transport: transport, router: router, authorization: authorization)
    }

    public init(transport: any ServerTransport, router: RPCRouter, authorization: PeerAuthorization? = nil) {
        self.transport = transport
        self.router = router
        self.authorization = authorization
    }

    public func serve() async throws {
        let router = self.router
        let authorization = self.authorization
        let enforcedByTransport = transport.enforcesDeadlines
        let draining = self.draining
        try await transport.listen { stream, context in
            var context = context
            context.draining = draining
            if let refusal = authorization?.refusal(for: context) {
                try? await stream.outbound.write(.status(refusal, [:]))
                await stream.outbound.finish()
                return
            }
            if enforcedByTransport {
                await router.handle(stream: stream, context: context)
            } else {
                await Self.handle(stream: stream, context: context, router: router)
            }
        }
    }

    public func beginGracefulShutdown() {
        draining.begin()
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
