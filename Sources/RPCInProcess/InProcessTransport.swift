public import RPCCore
import Synchronization

/// A client/server transport pair that moves stream parts through memory, for unit tests
/// and for wiring services together inside one process.
///
/// It follows the ``ServerTransport`` and ``ClientTransport`` contracts exactly (including
/// cancellation: a client that abandons a stream resets it, which cancels the server
/// handler), but enforces no message size limits and applies no back-pressure.
public enum InProcessTransport {
    /// Makes a connected pair.
    public static func makePair() -> (server: Server, client: Client) {
        let server = Server()
        return (server, Client(server: server))
    }

    /// One stream as the server sees it, plus the signal that the client reset it.
    struct PendingStream: Sendable {
        var stream: ServerStream
        var context: ServerContext
        var reset: AsyncStream<Void>
    }

    public final class Server: ServerTransport {
        private let accepted: AsyncStream<PendingStream>
        private let acceptor: AsyncStream<PendingStream>.Continuation

        init() {
            (accepted, acceptor) = AsyncStream.makeStream(of: PendingStream.self)
        }

        func accept(_ stream: PendingStream) -> Bool {
            if case .enqueued = acceptor.yield(stream) { return true }
            return false
        }

        public func listen(
            streamHandler: @escaping @Sendable (ServerStream, ServerContext) async -> Void
        ) async throws {
            await withDiscardingTaskGroup { group in
                for await pending in accepted {
                    group.addTask {
                        await withTaskGroup(of: Void.self) { inner in
                            inner.addTask { await streamHandler(pending.stream, pending.context) }
                            inner.addTask { for await _ in pending.reset {} }
                            await inner.next()
                            inner.cancelAll()
                        }
                    }
                }
            }
        }

        public func beginGracefulShutdown() {
            acceptor.finish()
        }
    }

    public struct Client: ClientTransport {
        let server: Server

        public func withStream<Result: Sendable>(
            descriptor: MethodDescriptor,
            options: CallOptions,
            _ body: @Sendable (ClientStream) async throws -> Result
        ) async throws -> Result {
            let (requests, requestSink) = AsyncThrowingStream.makeStream(of: RPCRequestPart.self)
            let (responses, responseSink) = AsyncThrowingStream.makeStream(of: RPCResponsePart.self)
            let (reset, resetSink) = AsyncStream.makeStream(of: Void.self)
            // Set once the server has written its status: later server writes are dropped.
            let closed = Mutex(false)

            let serverOutbound = ClosableRPCWriter<RPCResponsePart>(
                writer: RPCWriter { part in
                    let accepted = closed.withLock { isClosed -> Bool in
                        if isClosed { return false }
                        if case .status = part { isClosed = true }
                        return true
                    }
                    guard accepted else { return }
                    responseSink.yield(part)
                    if case .status = part { responseSink.finish() }
                },
                finish: {})
            let deadline = options.timeout.map { ContinuousClock.now.advanced(by: $0) }
            let pending = PendingStream(
                stream: ServerStream(descriptor: descriptor, inbound: RPCAsyncSequence(wrapping: requests), outbound: serverOutbound),
                context: ServerContext(descriptor: descriptor, deadline: deadline, remotePeer: "in-process"),
                reset: reset)
            guard server.accept(pending) else {
                throw RPCError(code: .unavailable, message: "The in-process server is not accepting streams.")
            }

            let clientOutbound = ClosableRPCWriter<RPCRequestPart>(
                writer: RPCWriter { part in
                    if closed.withLock({ $0 }) {
                        throw RPCError(code: .unavailable, message: "The stream is closed.")
                    }
                    requestSink.yield(part)
                },
                finish: { requestSink.finish() })
            let stream = ClientStream(descriptor: descriptor, inbound: RPCAsyncSequence(wrapping: responses), outbound: clientOutbound)
            defer {
                // Leaving the stream before the server's status resets it.
                let wasOpen = closed.withLock { isClosed -> Bool in
                    defer { isClosed = true }
                    return !isClosed
                }
                if wasOpen {
                    requestSink.finish(throwing: RPCError(code: .cancelled, message: "The client cancelled the RPC."))
                    responseSink.yield(.status(Status(code: .cancelled, message: "Cancelled by the client."), [:]))
                    responseSink.finish()
                    resetSink.finish()
                }
            }
            return try await body(stream)
        }

        public func close() async {}
    }
}
