public import NIOCore
import NIOPosix
import NIOSSL
public import RPCCore
public import RPCHTTP2
import Synchronization

/// gRPC over HTTP/2 on TCP sockets, plaintext or TLS (``Configuration/tls``), for servers.
///
/// Sockets and event loops are SwiftNIO's; each connection's HTTP/2 state is a
/// ``GRPCServerConnection`` (nghttp2) owned by that connection's event loop. Each stream's
/// handler runs on its own task inside ``listen(streamHandler:)``.
///
/// Lifecycle: ``listen(streamHandler:)`` binds, serves, and returns after
/// ``beginGracefulShutdown()`` once every connection has drained (GOAWAY sent, in-flight
/// streams finished) and every handler task has returned. ``listeningPort()`` reports the
/// bound port (useful with port 0).
public final class HTTP2ServerTransport: ServerTransport {
    public struct Configuration: Sendable {
        /// Per-connection gRPC limits (message sizes, concurrent streams).
        public var connection = GRPCServerConnection.Configuration()
        /// A client must send the HTTP/2 preface within this time after connecting.
        public var handshakeTimeout: Duration = .seconds(10)
        /// A connection with no open stream that receives nothing for this long is closed
        /// (GOAWAY, then close): frees half-open and abandoned connections. `nil` disables it.
        public var idleTimeout: Duration? = .seconds(300)
        /// PING keepalive; `nil` disables it.
        public var keepalive: KeepaliveConfiguration? = nil
        /// Run each stream's handler task on its connection's event loop (fewer thread hops,
        /// lower latency). Handlers must then never block. `false` runs them on Swift's
        /// cooperative thread pool.
        public var runHandlersOnEventLoop = true
        /// A stream's writer suspends while more than this many response bytes wait for the
        /// client's flow-control window...
        public var streamHighWaterBytes = 1 << 20
        /// ...and resumes once no more than this many remain.
        public var streamLowWaterBytes = 256 << 10
        /// When more than this many received request bytes wait for a stream's handler, the
        /// stream's data stops being acknowledged (HTTP/2 flow control holds the client)...
        public var streamInboundHighWaterBytes = 1 << 20
        /// ...until the handler has read them down to this many.
        public var streamInboundLowWaterBytes = 256 << 10
        /// Largest single read from a connection's socket, in bytes: its receive buffer grows
        /// up to this while reads fill it (NIO's adaptive allocator; NIO's own default is 64
        /// KiB, which takes a 64-KiB message and its frames in two reads).
        public var maxReadBytes = 256 << 10
        /// Serve TLS (ALPN `h2`) with this certificate instead of plaintext; `nil`: plaintext.
        /// A client that speaks plaintext to a TLS listener is disconnected during the
        /// handshake. A verified client certificate becomes the calls'
        /// `ServerContext.peerIdentity`. It must have a certificate and key
        /// (``TransportTLS/canServe``).
        public var tls: TransportTLS? = nil

        public init() {}
    }

    private struct State {
        var serverChannel: (any Channel)?
        var handlers: [ObjectIdentifier: NIOLoopBound<GRPCServerHandler>] = [:]
        var streamHandler: (@Sendable (ServerStream, ServerContext) async -> Void)?
        /// Handler tasks still running.
        var runningStreams = 0
        /// Resumed when shutdown is complete; `listen` waits on it.
        var stopped: CheckedContinuation<Void, Never>?
        var shuttingDown = false
        var serverChannelClosed = false
        var isStopped: Bool {
            shuttingDown && (serverChannelClosed || serverChannel == nil) && handlers.isEmpty && runningStreams == 0
        }
    }

    public let host: String
    public let port: Int
    public let configuration: Configuration
    private let group: any EventLoopGroup
    private let state = Mutex(State())
    private let bound: EventLoopPromise<Int>

    /// A new connection's first read buffer, in bytes (NIO's default).
    static let initialReadBytes = 2048

    public init(host: String, port: Int, configuration: Configuration = Configuration(), group: (any EventLoopGroup)? = nil) {
        precondition(configuration.streamLowWaterBytes <= configuration.streamHighWaterBytes, "low-water mark above high-water mark")
        precondition(configuration.tls?.canServe ?? true, "a TLS server needs a certificate and private key")
        precondition(
            configuration.maxReadBytes >= Self.initialReadBytes,
            "maxReadBytes must be at least \(Self.initialReadBytes)")
        self.host = host
        self.port = port
        self.configuration = configuration
        self.group = group ?? MultiThreadedEventLoopGroup.singleton
        self.bound = self.group.next().makePromise(of: Int.self)
    }

    /// The port the server listens on, once bound (throws if binding failed).
    public func listeningPort() async throws -> Int {
        try await bound.futureResult.get()
    }

    public func listen(streamHandler: @escaping @Sendable (ServerStream, ServerContext) async -> Void) async throws {
        state.withLock { $0.streamHandler = streamHandler }
        let configuration = self.configuration

        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(
                .recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(
                    minimum: 64, initial: Self.initialReadBytes, maximum: configuration.maxReadBytes))
            .childChannelInitializer { [weak self] channel in
                let transport = self
                return channel.eventLoop.makeCompletedFuture {
                    guard let transport else { throw ChannelError.ioOnClosedChannel }
                    let id = ObjectIdentifier(channel)
                    if let serverContext = configuration.tls?.serverContext {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: serverContext))
                    }
                    let handler = GRPCServerHandler(
                        configuration: configuration,
                        accept: { [weak transport] stream in transport?.start(stream) ?? false },
                        onClosed: { [weak transport] in transport?.connectionClosed(id) })
                    try channel.pipeline.syncOperations.addHandler(handler)
                    let shuttingDown = transport.state.withLock { state -> Bool in
                        state.handlers[id] = NIOLoopBound(handler, eventLoop: channel.eventLoop)
                        return state.shuttingDown
                    }
                    if shuttingDown { handler.beginGracefulShutdown() }
                }
            }

        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: host, port: port).get()
        } catch {
            bound.fail(error)
            throw error
        }
        bound.succeed(channel.localAddress?.port ?? port)
        let closeNow = state.withLock { state -> Bool in
            state.serverChannel = channel
            return state.shuttingDown
        }
        if closeNow { channel.close(promise: nil) }
        channel.closeFuture.whenComplete { [weak self] _ in self?.serverChannelClosed() }

        // Serve until shut down; cancelling the serving task shuts down gracefully too.
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.isStopped { return true }
                    state.stopped = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            beginGracefulShutdown()
        }
        try? await channel.closeFuture.get()
    }

    /// Runs one accepted stream's handler on its own task (called on a connection's loop).
    private func start(_ accepted: AcceptedStream) -> Bool {
        let handler = state.withLock { state -> (@Sendable (ServerStream, ServerContext) async -> Void)? in
            guard let handler = state.streamHandler else { return nil }
            state.runningStreams += 1
            return handler
        }
        guard let handler else { return false }
        let task = Task(executorPreference: accepted.executor) {
            await handler(accepted.stream, accepted.context)
            await accepted.stream.outbound.finish()
            self.streamFinished()
        }
        accepted.cancellation.attach(task)
        return true
    }

    private func streamFinished() {
        state.withLock { $0.runningStreams -= 1 }
        resumeIfStopped()
    }

    /// Each stream's deadline is a timer on its connection's loop (`GRPCServerHandler`), so a
    /// call with a deadline costs no timer task on the cooperative pool.
    public var enforcesDeadlines: Bool { true }

    public func beginGracefulShutdown() {
        let (channel, handlers) = state.withLock { state -> ((any Channel)?, [NIOLoopBound<GRPCServerHandler>]) in
            state.shuttingDown = true
            return (state.serverChannel, Array(state.handlers.values))
        }
        channel?.close(promise: nil)
        for handler in handlers {
            handler.eventLoop.execute { handler.value.beginGracefulShutdown() }
        }
        resumeIfStopped()
    }

    private func serverChannelClosed() {
        state.withLock { $0.serverChannelClosed = true }
        resumeIfStopped()
    }

    private func connectionClosed(_ id: ObjectIdentifier) {
        state.withLock { _ = $0.handlers.removeValue(forKey: id) }
        resumeIfStopped()
    }

    /// Lets `listen` return once shutdown was requested, the listener is closed, no
    /// connection is left and every handler task has finished.
    private func resumeIfStopped() {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.isStopped else { return nil }
            defer { state.stopped = nil }
            return state.stopped
        }
        continuation?.resume()
    }
}
