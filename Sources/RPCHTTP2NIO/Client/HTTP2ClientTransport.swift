public import NIOCore
import NIOPosix
import NIOSSL
public import RPCCore
import Synchronization

/// gRPC over HTTP/2 on TCP sockets, plaintext or TLS (``Configuration/tls``), for clients of
/// one server address.
///
/// All calls are multiplexed on one HTTP/2 connection, created on first use and re-created
/// after it closes or the server sends GOAWAY. A failed connection attempt puts the transport
/// in back-off: until the back-off delay has passed, calls fail fast with `UNAVAILABLE`
/// (callers such as clerks retry); the next call after it tries again. Delays grow
/// exponentially with jitter up to ``Configuration/maxBackoff`` and reset after a success.
///
/// A call's deadline (``CallOptions/timeout``) is enforced here, by a timer on the
/// connection's event loop that ends the call with `DEADLINE_EXCEEDED` and resets its stream
/// (``enforcesDeadlines``), so a call costs no timer task on the cooperative pool.
///
/// Every connection of a transport runs on one event loop, ``eventLoop``. A task that makes
/// many calls through it (a clerk's loop, say) can run on that loop's thread with
/// `withTaskExecutorPreference(transport.taskExecutor)`: its calls then reach the connection
/// and their responses reach the task without waking another thread (the task must not block:
/// it shares the thread with the connection's I/O).
public final class HTTP2ClientTransport: ClientTransport {
    public struct Configuration: Sendable {
        /// Largest response message accepted, in bytes; larger → `RESOURCE_EXHAUSTED`.
        public var maxReceiveMessageBytes = 32 << 20
        /// Largest request message sent, in bytes; larger → `RESOURCE_EXHAUSTED`.
        public var maxSendMessageBytes = 32 << 20
        /// Longest a TCP connect may take.
        public var connectTimeout: Duration = .seconds(5)
        /// First back-off delay after a failed connection attempt.
        public var initialBackoff: Duration = .milliseconds(100)
        /// Upper bound of the back-off delay.
        public var maxBackoff: Duration = .seconds(5)
        /// Growth factor of the back-off delay per consecutive failure.
        public var backoffMultiplier = 1.6
        /// Random spread applied to each delay (0.2 = ±20 %).
        public var backoffJitter = 0.2
        /// PING keepalive; `nil` disables it.
        public var keepalive: KeepaliveConfiguration? = KeepaliveConfiguration(interval: .seconds(30), timeout: .seconds(10))
        /// A call's writer suspends while more than this many request bytes wait for the
        /// server's flow-control window...
        public var streamHighWaterBytes = 1 << 20
        /// ...and resumes once no more than this many remain.
        public var streamLowWaterBytes = 256 << 10
        /// When more than this many received response bytes wait for a call's reader, the
        /// stream's data stops being acknowledged (HTTP/2 flow control holds the server)...
        public var streamInboundHighWaterBytes = 1 << 20
        /// ...until the reader has read them down to this many.
        public var streamInboundLowWaterBytes = 256 << 10
        /// Most finished requests a connection holds back for one socket write. Output is
        /// flushed once the loop has run the work queued before it, so that a loop tick's
        /// requests share a write; but when many tasks on the connection's loop each start a
        /// call as a response arrives, that tick lasts as long as all of them, and the server
        /// idles meanwhile. Every this many finished requests are written at once instead, so
        /// the server starts on them while the client prepares the rest. Measured with
        /// `skv kv bench` on 3 local members (2 cores), 4 against no limit: 64 clerks' Gets
        /// 31,900 → 46,600/s, 16 clerks' 20,000 → 25,300/s, Puts within noise.
        public var maxRequestsPerWrite = 4
        /// With many calls in flight, the finished requests are written in about this many
        /// groups per round of calls instead: a connection writes once `max(maxRequestsPerWrite,
        /// callsInFlight / requestWriteGroups)` finished requests wait (64 calls: every 16).
        /// Each write costs a system call here and a wake-up and a read at the server: every 4
        /// requests, 64 clerks made 16 writes per round where h2load's 4 connections make about
        /// 4. Measured with `Scripts/bench-kv-client.sh` (3 local members, 2 cores, 64 clerks):
        /// the client's CPU per call 25.2 → 22.3 µs (Puts) and 20.1 → 17.4 µs (Gets), the
        /// servers' 103.7 → 102.1 and 41.3 → 39.6 µs; ops/s within noise.
        public var requestWriteGroups = 4
        /// Speak TLS (ALPN `h2`) to the server, verifying its certificate against the trust
        /// roots and the host name or IP address dialled (see ``TransportTLS``), and presenting
        /// this configuration's certificate if it has one; `nil`: plaintext. A connection
        /// counts as made once the handshake succeeded; a failed handshake is a failed attempt
        /// (back-off), its reason in the calls' `UNAVAILABLE` message.
        public var tls: TransportTLS? = nil

        public init() {}
    }

    private struct Connection: Sendable {
        var id: Int
        var channel: any Channel
        var handler: NIOLoopBound<GRPCClientHandler>
    }

    private enum State {
        case idle
        case connecting(EventLoopFuture<Connection>)
        case ready(Connection)
        case backingOff(until: ContinuousClock.Instant, failure: String)
        case closed
    }

    private struct Locked {
        var state = State.idle
        var consecutiveFailures = 0
        var nextConnectionID = 0
        /// Connections replaced after GOAWAY but still finishing calls, closed by ``close()``.
        var draining: [Int: Connection] = [:]
    }

    public let host: String
    public let port: Int
    public let configuration: Configuration
    /// The loop every connection of this transport runs on.
    public let eventLoop: any EventLoop
    private let executor: EventLoopTaskExecutor
    private let locked = Mutex(Locked())
    /// Call tokens, unique across this transport's connections.
    private let nextToken = Atomic<UInt64>(0)

    /// - Parameter group: the group whose next loop becomes ``eventLoop`` (pass a loop to choose
    ///   it); the shared `MultiThreadedEventLoopGroup.singleton` by default.
    public init(host: String, port: Int, configuration: Configuration = Configuration(), group: (any EventLoopGroup)? = nil) {
        precondition(configuration.initialBackoff > .zero && configuration.maxBackoff >= configuration.initialBackoff, "invalid back-off")
        precondition(configuration.backoffMultiplier >= 1 && (0...1).contains(configuration.backoffJitter), "invalid back-off")
        precondition(configuration.streamLowWaterBytes <= configuration.streamHighWaterBytes, "low-water mark above high-water mark")
        precondition(configuration.maxRequestsPerWrite > 0, "maxRequestsPerWrite must be positive")
        precondition(configuration.requestWriteGroups > 0, "requestWriteGroups must be positive")
        self.host = host
        self.port = port
        self.configuration = configuration
        self.eventLoop = (group ?? MultiThreadedEventLoopGroup.singleton).next()
        self.executor = EventLoopTaskExecutor(loop: eventLoop)
    }

    /// Runs tasks on ``eventLoop``'s thread (see the type's documentation).
    public var taskExecutor: any TaskExecutor { executor }

    public func withStream<Result: Sendable>(
        descriptor: MethodDescriptor,
        options: CallOptions,
        _ body: @Sendable (ClientStream) async throws -> Result
    ) async throws -> Result {
        let (handler, token, registration, inbound) = try await openStreaming(descriptor: descriptor, options: options)
        let loop = handler.eventLoop
        // The call is registered on the connection by its first write, which saves a hop.
        let pending = PendingRegistration(registration)
        let outbound = ClosableRPCWriter<RPCRequestPart>(
            writer: RPCWriter(
                { part in
                    let registration = pending.take()
                    try await loop.flatSubmit { handler.value.write([part], token: token, registration: registration, finish: false) }.get()
                },
                writeBatch: { parts in
                    let registration = pending.take()
                    try await loop.flatSubmit { handler.value.write(parts, token: token, registration: registration, finish: false) }.get()
                }),
            finish: {
                let registration = pending.take()
                try? await loop.flatSubmit { handler.value.write([], token: token, registration: registration, finish: true) }.get()
            },
            writeAndFinish: { parts in
                // Not awaited: nothing follows on the request side, and if the parts cannot
                // be sent the call ends with a status the response side reports.
                let registration = pending.take()
                if loop.inEventLoop {
                    _ = handler.value.write(parts, token: token, registration: registration, finish: true)
                } else {
                    loop.execute {
                        _ = handler.value.write(parts, token: token, registration: registration, finish: true)
                    }
                }
            })
        defer {
            if pending.take() != nil {
                // Never written to: nothing to release on the connection.
                inbound.finish()
            } else if loop.inEventLoop {
                handler.value.release(token: token)
            } else {
                loop.execute { handler.value.release(token: token) }
            }
        }
        return try await body(ClientStream(
            descriptor: descriptor, inbound: RPCAsyncSequence(wrapping: InboundPartSequence.Responses(queue: inbound)),
            outbound: outbound))
    }

    /// The whole request in one step: registered, written and finished on the connection's
    /// loop (directly from a task on that loop), with no writer or pending registration per call.
    public func withRequestWritten<Result: Sendable>(
        descriptor: MethodDescriptor,
        options: CallOptions,
        request: [RPCRequestPart],
        _ body: @Sendable (RPCAsyncSequence<RPCResponsePart>) async throws -> Result
    ) async throws -> Result {
        let (handler, token, registration, inbound) = try await openStreaming(descriptor: descriptor, options: options)
        let loop = handler.eventLoop
        // Not awaited: nothing follows on the request side, and if the parts cannot be sent the
        // call ends with a status the response side reports.
        if loop.inEventLoop {
            _ = handler.value.write(request, token: token, registration: registration, finish: true)
        } else {
            loop.execute { _ = handler.value.write(request, token: token, registration: registration, finish: true) }
        }
        defer {
            if loop.inEventLoop {
                handler.value.release(token: token)
            } else {
                loop.execute { handler.value.release(token: token) }
            }
        }
        return try await body(RPCAsyncSequence(wrapping: InboundPartSequence.Responses(queue: inbound)))
    }

    /// A unary call in one step each way: registered, written and finished on the connection's
    /// loop, its response parts gathered there (``UnaryResponseWaiter``) and handed to this task
    /// in one resumption, with no response queue, sequence or per-part wake-up.
    public func unaryResponseParts(
        descriptor: MethodDescriptor,
        options: CallOptions,
        request: [RPCRequestPart]
    ) async throws -> UnaryResponseParts {
        let start = ContinuousClock.now
        let handler = try await readyConnection(timeout: options.timeout).handler
        let loop = handler.eventLoop
        let token = nextToken.add(1, ordering: .relaxed).newValue
        let waiter = UnaryResponseWaiter()
        let registration = GRPCClientHandler.Registration(
            descriptor: descriptor, timeout: options.timeout, deadline: options.timeout.map { start + $0 },
            inbound: .unary(waiter))
        let response = await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<UnaryResponseParts, Never>) in
                // Not awaited: if the parts cannot be sent the call ends with a status, which
                // resumes the continuation like any other.
                if loop.inEventLoop {
                    waiter.wait(continuation)
                    _ = handler.value.write(request, token: token, registration: registration, finish: true)
                } else {
                    loop.execute {
                        waiter.wait(continuation)
                        _ = handler.value.write(request, token: token, registration: registration, finish: true)
                    }
                }
            }
        } onCancel: {
            // Flag first: a registration that reaches the loop after this release ends at once.
            waiter.cancel()
            loop.execute { handler.value.release(token: token) }
        }
        // Ended by this task's cancellation: thrown as a cancellation, as a streaming call's
        // reader throws it (a response that completed first is still returned).
        if waiter.cancelled, case .status(let status, _)? = response.parts.last, status.code == .cancelled {
            throw CancellationError()
        }
        return response
    }

    /// A new streaming call: the connection it goes on (made if needed), its token there, and
    /// what its first write registers — its response queue and its deadline, which counts from
    /// here (connecting included).
    private func openStreaming(
        descriptor: MethodDescriptor, options: CallOptions
    ) async throws -> (
        NIOLoopBound<GRPCClientHandler>, UInt64, GRPCClientHandler.Registration, InboundQueue<RPCResponsePart>
    ) {
        let start = ContinuousClock.now
        let connection = try await readyConnection(timeout: options.timeout)
        let handler = connection.handler
        let loop = handler.eventLoop
        let token = nextToken.add(1, ordering: .relaxed).newValue
        let inbound = InboundQueue<RPCResponsePart>(
            highWaterBytes: configuration.streamInboundHighWaterBytes,
            lowWaterBytes: configuration.streamInboundLowWaterBytes,
            onDrained: { loop.execute { handler.value.resumeInbound(token: token) } })
        let registration = GRPCClientHandler.Registration(
            descriptor: descriptor, timeout: options.timeout, deadline: options.timeout.map { start + $0 },
            inbound: .queue(inbound))
        return (handler, token, registration, inbound)
    }

    public var enforcesDeadlines: Bool { true }

    public func close() async {
        let connections = locked.withLock { locked -> [Connection] in
            var all = Array(locked.draining.values)
            if case .ready(let connection) = locked.state { all.append(connection) }
            locked.state = .closed
            locked.draining.removeAll()
            return all
        }
        for connection in connections {
            connection.handler.eventLoop.execute { connection.handler.value.shutdown() }
            try? await connection.channel.closeFuture.get()
        }
    }

    // MARK: Connection management

    private enum Step {
        case use(Connection)
        case wait(EventLoopFuture<Connection>)
        case fail(RPCError)
        case connect(EventLoopPromise<Connection>, id: Int)
    }

    /// The connection to use; waiting for one to be made ends with `DEADLINE_EXCEEDED` after
    /// `timeout`.
    private func readyConnection(timeout: Duration?) async throws -> Connection {
        let step = locked.withLock { locked -> Step in
            switch locked.state {
            case .ready(let connection):
                return .use(connection)
            case .connecting(let future):
                return .wait(future)
            case .closed:
                return .fail(RPCError(code: .unavailable, message: "The client transport is closed."))
            case .backingOff(let until, let failure) where ContinuousClock.now < until:
                return .fail(RPCError(code: .unavailable, message: "Not connected to \(host):\(port) (\(failure)); retrying after back-off."))
            case .idle, .backingOff:
                let promise = eventLoop.makePromise(of: Connection.self)
                locked.state = .connecting(promise.futureResult)
                locked.nextConnectionID += 1
                return .connect(promise, id: locked.nextConnectionID)
            }
        }
        switch step {
        case .use(let connection):
            return connection
        case .wait(let future):
            return try await Self.mapConnectError(Self.bounded(future, by: timeout))
        case .fail(let error):
            throw error
        case .connect(let promise, let id):
            promise.completeWith(connect(id: id))
            return try await Self.mapConnectError(Self.bounded(promise.futureResult, by: timeout))
        }
    }

    /// `future`, or a `DEADLINE_EXCEEDED` failure if it is not complete within `timeout`.
    private static func bounded(
        _ future: EventLoopFuture<Connection>, by timeout: Duration?
    ) -> EventLoopFuture<Connection> {
        guard let timeout else { return future }
        let loop = future.eventLoop
        let promise = loop.makePromise(of: Connection.self)
        let timer = loop.scheduleTask(in: .nanoseconds(timeout.nanoseconds)) {
            promise.fail(
                RPCError(code: .deadlineExceeded, message: "Deadline of \(timeout) exceeded while connecting."))
        }
        future.whenComplete { result in
            timer.cancel()
            promise.completeWith(result)  // a second completion (after the timer) is ignored
        }
        return promise.futureResult
    }

    private static func mapConnectError(_ future: EventLoopFuture<Connection>) async throws -> Connection {
        do {
            return try await future.get()
        } catch let error as RPCError {
            throw error
        } catch {
            throw RPCError(code: .unavailable, message: "Cannot connect: \(error)")
        }
    }

    private func connect(id: Int) -> EventLoopFuture<Connection> {
        let configuration = self.configuration
        let authority = "\(host):\(port)"
        let handshake = configuration.tls.map { _ in eventLoop.makePromise(of: Void.self) }
        // SNI and the name checked: the host as dialled; an IP address is matched against the
        // certificate's IP subject alternative names instead (it may not be sent as SNI).
        let serverHostname = (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
        // The handler as the initializer made it. Not looked up in the pipeline once connected: a
        // peer that closes at once (a TLS listener dropping a plaintext client) may have emptied the
        // pipeline by then, and the lookup's ChannelPipelineError.notFound hid the handler's reason.
        let created = NIOLoopBoundBox.makeEmptyBox(valueType: GRPCClientHandler.self, eventLoop: eventLoop)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(.nanoseconds(configuration.connectTimeout.nanoseconds))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [weak self] channel in
                let transport = self
                return channel.eventLoop.makeCompletedFuture {
                    if let tls = configuration.tls, let handshake {
                        let operations = channel.pipeline.syncOperations
                        try operations.addHandler(
                            NIOSSLClientHandler(context: tls.clientContext, serverHostname: serverHostname))
                        try operations.addHandler(TLSHandshakeHandler(promise: handshake, server: authority))
                    }
                    let handler = GRPCClientHandler(
                        configuration: configuration, authority: authority,
                        onGoAway: { [weak transport] in transport?.connectionDraining(id) },
                        onClosed: { [weak transport] in transport?.connectionClosed(id) })
                    try channel.pipeline.syncOperations.addHandler(handler)
                    created.value = handler
                }
            }
        return bootstrap.connect(host: host, port: port).flatMapError { error in
            handshake?.fail(error)  // never completed otherwise
            return self.eventLoop.makeFailedFuture(error)
        }.flatMap { channel in
            let handshakeDone = handshake?.futureResult ?? channel.eventLoop.makeSucceededVoidFuture()
            return handshakeDone.flatMapError { error in
                channel.close(promise: nil)
                return channel.eventLoop.makeFailedFuture(error)
            }.flatMapThrowing {
                // The initializer ran on this loop before the connect completed.
                guard let handler = created.value else { preconditionFailure("connected without the gRPC handler") }
                return Connection(
                    id: id, channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop))
            }
        }.always { [weak self] result in
            self?.connectAttemptEnded(id: id, result: result)
        }
    }

    private func connectAttemptEnded(id: Int, result: Swift.Result<Connection, any Error>) {
        let closeChannel = locked.withLock { locked -> (any Channel)? in
            guard case .connecting = locked.state, locked.nextConnectionID == id else {
                // Closed meanwhile: do not keep the connection.
                if case .success(let connection) = result { return connection.channel }
                return nil
            }
            switch result {
            case .success(let connection):
                locked.consecutiveFailures = 0
                locked.state = .ready(connection)
            case .failure(let error):
                locked.consecutiveFailures += 1
                locked.state = .backingOff(until: ContinuousClock.now.advanced(by: backoff(failures: locked.consecutiveFailures)), failure: "\(error)")
            }
            return nil
        }
        closeChannel?.close(promise: nil)
    }

    /// The back-off delay after `failures` consecutive failed attempts.
    func backoff(failures: Int) -> Duration {
        let base = Double(configuration.initialBackoff.nanoseconds) * pow(configuration.backoffMultiplier, Double(max(0, failures - 1)))
        let capped = min(base, Double(configuration.maxBackoff.nanoseconds))
        let jitter = 1 + Double.random(in: -configuration.backoffJitter...configuration.backoffJitter)
        return .nanoseconds(Int64(capped * jitter))
    }

    private func connectionDraining(_ id: Int) {
        locked.withLock { locked in
            if case .ready(let connection) = locked.state, connection.id == id {
                locked.draining[id] = connection
                locked.state = .idle
            }
        }
    }

    private func connectionClosed(_ id: Int) {
        locked.withLock { locked in
            locked.draining[id] = nil
            if case .ready(let connection) = locked.state, connection.id == id {
                locked.state = .idle
            }
        }
    }
}

/// The registration a call carries to its connection with its first write; taken exactly once.
private final class PendingRegistration: Sendable {
    private let registration: Mutex<GRPCClientHandler.Registration?>

    init(_ registration: GRPCClientHandler.Registration) {
        self.registration = Mutex(registration)
    }

    func take() -> GRPCClientHandler.Registration? {
        registration.withLock { value in
            defer { value = nil }
            return value
        }
    }
}

private func pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    for _ in 0..<Int(exponent) { result *= base }
    return result
}
