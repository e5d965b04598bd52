import NIOCore
import NIOSSL
import NIOTLS
import RPCCore
import RPCHTTP2
import Synchronization

/// A stream accepted on some connection, handed from the connection's event loop to the
/// transport, which runs its handler on a task.
struct AcceptedStream: Sendable {
    var stream: ServerStream
    var context: ServerContext
    /// Cancels the handler's task when the stream fails (client reset, bad message,
    /// connection loss).
    var cancellation: StreamCancellation
    /// Where the handler's task prefers to run (the connection's loop), if anywhere.
    var executor: EventLoopTaskExecutor?
}

/// Set once a stream's status has been handed to the writer, so that finishing the stream
/// afterwards costs no hop to the event loop.
final class StatusWritten: Sendable {
    let value = Atomic(false)
}

/// Drives one server connection: owns its ``GRPCServerConnection`` on the channel's event loop,
/// moves bytes between the socket and nghttp2, and bridges each stream to an async handler.
///
/// Thread confinement: every method runs on `context.eventLoop`. Handler tasks reach it only
/// through `NIOLoopBound` values that hop onto the loop first.
final class GRPCServerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private struct StreamBridge {
        var inbound: InboundQueue<RPCRequestPart>
        var cancellation: StreamCancellation
        /// The client's `grpc-timeout`, if it sent one (enforced through ``deadlines``).
        var timeout: Duration?
    }

    private let connection: GRPCServerConnection
    private let configuration: HTTP2ServerTransport.Configuration
    private let accept: @Sendable (AcceptedStream) -> Bool
    private let onClosed: @Sendable () -> Void
    private var context: ChannelHandlerContext?
    /// The channel's loop, kept after the channel closes: handler tasks may still write.
    private var eventLoop: (any EventLoop)?
    // `@exclusivity(unchecked)`: as on ``GRPCClientHandler``'s per-call state (loop-confined,
    // no access held across a call that could reach the property again).
    @exclusivity(unchecked) private var bridges = StreamTable<Int32, StreamBridge>()
    /// The streams' deadlines (the clients' `grpc-timeout`s, by stream id), enforced by one timer.
    private var deadlines = DeadlineTimer()
    /// The connection's events being processed (emptied after each batch).
    @exclusivity(unchecked) private var events: [GRPCServerConnection.Event] = []
    private var waiters = WriteWaiters()
    private let pump = OutputPump()
    @exclusivity(unchecked) private var flushScheduled = false
    private var receivedBytes = 0
    private var handshakeTimer: Scheduled<Void>?
    private let keepalive = KeepaliveTimer()
    private var idleTimer: RepeatedTask?
    private var lastReadTime = NIODeadline.now()
    private var draining = false
    private var closed = false
    private var remotePeer = "unknown"
    /// The client's verified certificate identity, set when the TLS handshake completes.
    private var peerIdentity: PeerIdentity?
    private var taskExecutor: EventLoopTaskExecutor?

    init(
        configuration: HTTP2ServerTransport.Configuration,
        accept: @escaping @Sendable (AcceptedStream) -> Bool,
        onClosed: @escaping @Sendable () -> Void
    ) {
        self.configuration = configuration
        self.connection = GRPCServerConnection(configuration: configuration.connection)
        self.accept = accept
        self.onClosed = onClosed
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.eventLoop = context.eventLoop
        if configuration.runHandlersOnEventLoop {
            taskExecutor = EventLoopTaskExecutor(loop: context.eventLoop)
        }
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    private func start(_ context: ChannelHandlerContext) {
        guard handshakeTimer == nil else { return }
        remotePeer = context.channel.remoteAddress.map { "\($0)" } ?? "unknown"
        // A client that connects but never completes the HTTP/2 preface is dropped.
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        handshakeTimer = context.eventLoop.scheduleTask(in: .nanoseconds(configuration.handshakeTimeout.nanoseconds)) {
            bound.value.close(reason: "no HTTP/2 preface within the handshake timeout")
        }
        if let idleTimeout = configuration.idleTimeout {
            let limit = TimeAmount.nanoseconds(idleTimeout.nanoseconds)
            let period = TimeAmount.nanoseconds(max(idleTimeout.nanoseconds / 4, 1_000_000))
            idleTimer = context.eventLoop.scheduleRepeatedTask(initialDelay: period, delay: period) { _ in
                let handler = bound.value
                if handler.connection.openStreamCount == 0 && NIODeadline.now() - handler.lastReadTime > limit {
                    handler.connection.sendGoAway()
                    handler.flush()
                    handler.close(reason: "idle for longer than \(idleTimeout)")
                }
            }
        }
        if let configuration = configuration.keepalive {
            keepalive.start(
                on: context.eventLoop, configuration: configuration,
                sendPing: { [unowned self] in
                    connection.sendPing()
                    flush()
                },
                onTimeout: { [unowned self] in close(reason: "keepalive PING not acknowledged") })
        }
        flush()  // our SETTINGS
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        receivedBytes += buffer.readableBytes
        if configuration.idleTimeout != nil { lastReadTime = .now() }
        if receivedBytes >= 24, let timer = handshakeTimer {
            timer.cancel()  // the 24-byte client preface arrived (nghttp2 validates it)
            handshakeTimer = nil
            _ = timer
        }
        do {
            try buffer.withUnsafeReadableBytes { bytes throws(HTTP2ConnectionError) in try connection.receive(bytes) }
        } catch {
            // nghttp2 queued a GOAWAY for protocol errors: send it, then close.
            processEvents()
            flush()
            close(reason: "\(error)")
            return
        }
        processEvents()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flush()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { flush() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        teardown()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        close(reason: "\(error)")
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSUserEvent {
            // NIOSSL reports a peer certificate only once it verified it (a presented
            // certificate that fails verification fails the handshake).
            let certificate = try? context.pipeline.syncOperations.nioSSL_peerCertificate()
            peerIdentity = certificate.map { certificate in
                PeerIdentity(commonName: certificate.subjectName.last { $0.type == .commonName }?.value)
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: Called from the transport (on the loop)

    /// Graceful shutdown: GOAWAY now (no new streams), in-flight streams finish, then close.
    func beginGracefulShutdown() {
        guard !draining, !closed, let context else { return }
        draining = true
        connection.beginGracefulShutdown()
        flush()
        // The second GOAWAY (with the real last stream id) follows after a short grace period
        // so that streams the client opened before seeing the first one are still accepted.
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .milliseconds(100)) {
            let handler = bound.value
            handler.connection.sendGoAway()
            handler.flush()
            handler.closeIfDrained()
        }
    }

    // MARK: Streams

    private func processEvents() {
        connection.takeEvents(into: &events)
        defer { events.removeAll(keepingCapacity: true) }
        for event in events {
            switch event {
            case .streamOpened(let streamID, let descriptor, let metadata, let timeout):
                open(streamID: streamID, descriptor: descriptor, metadata: metadata, timeout: timeout)
            case .message(let streamID, let bytes):
                if let bridge = bridges[streamID], bridge.inbound.append(.message(bytes), bytes: bytes.count + 5) {
                    connection.pauseInbound(on: streamID)
                }
            case .requestEnded(let streamID):
                bridges[streamID]?.inbound.finish()
            case .streamFailed(let streamID, let error):
                if let bridge = bridges[streamID] {
                    bridge.inbound.finish(throwing: error)
                    bridge.cancellation.cancel()
                }
                waiters.fail(streamID) { error }
            case .streamClosed(let streamID):
                if let bridge = bridges.removeValue(forKey: streamID) {
                    bridge.inbound.finish(throwingIfOpen: { RPCError(code: .cancelled, message: "The stream closed.") })
                    bridge.cancellation.cancel()
                }
                waiters.fail(streamID) { RPCError(code: .cancelled, message: "The stream closed.") }
                closeIfDrained()
            case .goAway:
                draining = true
                closeIfDrained()
            case .pingAcknowledged:
                keepalive.acknowledged()
            }
        }
    }

    private func open(streamID: Int32, descriptor: MethodDescriptor, metadata: Metadata, timeout: Duration?) {
        guard let context else { return }
        let loop = context.eventLoop
        let bound = NIOLoopBound(self, eventLoop: loop)
        let inbound = InboundQueue<RPCRequestPart>(
            highWaterBytes: configuration.streamInboundHighWaterBytes,
            lowWaterBytes: configuration.streamInboundLowWaterBytes,
            onDrained: { loop.execute { bound.value.resumeInbound(on: streamID) } })
        inbound.append(.metadata(metadata), bytes: 0)
        let cancellation = StreamCancellation()
        bridges[streamID] = StreamBridge(inbound: inbound, cancellation: cancellation, timeout: timeout)
        let deadline = timeout.map { ContinuousClock.now.advanced(by: $0) }
        if let deadline {
            // On this loop, not as a timer task beside the handler (`enforcesDeadlines`).
            deadlines.add(
                UInt64(streamID), deadline: deadline, liveCalls: bridges.count,
                isLive: { bridges[Int32(truncatingIfNeeded: $0)] != nil }, on: loop, fire: deadlineTimerFire(on: loop))
        }

        let statusWritten = StatusWritten()
        // The handler's writes (one part or a batch): a handler task on this loop (the usual
        // case) writes directly — no hop, no future unless it must wait for the stream's buffer
        // to drain — any other task hops onto the loop.
        @Sendable func deliver<Parts: Collection<RPCResponsePart> & Sendable>(_ parts: Parts) async throws {
            if parts.contains(where: { if case .status = $0 { true } else { false } }) {
                statusWritten.value.store(true, ordering: .relaxed)
            }
            if loop.inEventLoop {
                try await bound.value.write(parts, on: streamID)?.get()
            } else {
                try await loop.flatSubmit { bound.value.write(parts, on: streamID) ?? loop.makeSucceededVoidFuture() }
                    .get()
            }
        }
        let outbound = ClosableRPCWriter<RPCResponsePart>(
            writer: RPCWriter(
                { part in try await deliver(CollectionOfOne(part)) },
                writeBatch: { parts in try await deliver(parts) }),
            finish: {
                // A handler that returns without a status still ends the stream.
                guard !statusWritten.value.load(ordering: .relaxed) else { return }
                try? await loop.submit { bound.value.ensureStatus(on: streamID) }.get()
            })
        let accepted = AcceptedStream(
            stream: ServerStream(
                descriptor: descriptor, inbound: RPCAsyncSequence(wrapping: InboundPartSequence.Requests(queue: inbound)),
                outbound: outbound),
            context: ServerContext(
                descriptor: descriptor, deadline: deadline, remotePeer: remotePeer, peerIdentity: peerIdentity),
            cancellation: cancellation,
            executor: taskExecutor)
        if !accept(accepted) {
            connection.send(.status(Status(code: .unavailable, message: "The server is shutting down."), [:]), on: streamID)
            scheduleFlush()
        }
    }

    /// Writes `parts`; `nil` when done, or what to await (as for one part, below).
    private func write(_ parts: some Collection<RPCResponsePart>, on streamID: Int32) -> EventLoopFuture<Void>? {
        var last: EventLoopFuture<Void>?
        for part in parts { last = write(part, on: streamID) }
        return last
    }

    /// Writes `part`. Returns `nil` when it is written, or a future to await: the stream's
    /// buffer is over its high-water mark (completes once drained) or the stream is gone (failed).
    private func write(_ part: RPCResponsePart, on streamID: Int32) -> EventLoopFuture<Void>? {
        let loop = eventLoop!
        guard bridges[streamID] != nil else {
            if case .status = part { return nil }
            return loop.makeFailedFuture(RPCError(code: .cancelled, message: "The stream is closed."))
        }
        connection.send(part, on: streamID)
        scheduleFlush()
        guard case .message = part, connection.bufferedBytes(on: streamID) > configuration.streamHighWaterBytes else {
            return nil
        }
        let promise = loop.makePromise(of: Void.self)
        waiters.add(promise, for: streamID)
        return promise.futureResult
    }

    /// The handler caught up with its stream's data: reopen the stream's flow-control window.
    private func resumeInbound(on streamID: Int32) {
        connection.resumeInbound(on: streamID)
        scheduleFlush()
    }

    private func deadlineTimerFire(on loop: any EventLoop) -> @Sendable () -> Void {
        let bound = NIOLoopBound(self, eventLoop: loop)
        return { bound.value.deadlineTimerFired() }
    }

    private func deadlineTimerFired() {
        guard let eventLoop, !closed else { return }
        // Streams that closed meanwhile are skipped in `deadlineExceeded`.
        for token in deadlines.fired(on: eventLoop, fire: deadlineTimerFire(on: eventLoop)) {
            deadlineExceeded(on: Int32(truncatingIfNeeded: token))
        }
    }

    /// The client's deadline passed before the handler's status: the call ends with
    /// `DEADLINE_EXCEEDED` (what the handler writes afterwards is dropped: the status is
    /// sent) and the handler's task is cancelled.
    private func deadlineExceeded(on streamID: Int32) {
        guard let bridge = bridges[streamID] else { return }
        let message = "Deadline of \(bridge.timeout ?? .zero) exceeded."
        connection.send(.status(Status(code: .deadlineExceeded, message: message), [:]), on: streamID)
        scheduleFlush()
        let error = RPCError(code: .deadlineExceeded, message: message)
        bridge.inbound.finish(throwing: error)
        bridge.cancellation.cancel()
        waiters.fail(streamID) { error }
    }

    private func ensureStatus(on streamID: Int32) {
        guard bridges[streamID] != nil else { return }
        connection.send(.status(Status(code: .internal, message: "The handler ended without a status."), [:]), on: streamID)
        scheduleFlush()
    }

    // MARK: Output

    private func scheduleFlush() {
        guard !flushScheduled, let context else { return }
        flushScheduled = true
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.execute { bound.value.flush() }
    }

    /// Moves everything nghttp2 wants to send into the channel, while the channel is writable.
    func flush() {
        flushScheduled = false
        guard let context, !closed else { return }
        do {
            try pump.flush(
                context: context,
                collect: { (sink) throws(HTTP2ConnectionError) in try connection.collectOutput(sink) },
                didCollect: { processEvents() })
        } catch {
            close(reason: "\(error)")
            return
        }
        waiters.resume(where: { connection.bufferedBytes(on: $0) }, lowWaterBytes: configuration.streamLowWaterBytes)
        if connection.isFinished { close(reason: "the HTTP/2 session ended") }
    }

    private func closeIfDrained() {
        if draining && connection.openStreamCount == 0 && bridges.isEmpty {
            flush()
            close(reason: "drained")
        }
    }

    private func close(reason: String) {
        guard !closed, let context else { return }
        closed = true
        context.close(promise: nil)
    }

    private func teardown() {
        handshakeTimer?.cancel()
        keepalive.cancel()
        idleTimer?.cancel()
        deadlines.cancel()
        closed = true
        connection.connectionClosed()
        processEvents()
        waiters.failAll(with: RPCError(code: .unavailable, message: "The connection closed."))
        if context != nil {
            context = nil
            onClosed()
        }
    }
}
