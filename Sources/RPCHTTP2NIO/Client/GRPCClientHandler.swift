import NIOCore
import RPCCore
import RPCHTTP2

/// Drives one client connection: owns its ``GRPCClientConnection`` on the channel's event
/// loop and bridges each call's stream to the async world.
///
/// Calls are identified by a local token until their request headers are submitted (the
/// HTTP/2 stream id is assigned then). Every call gets exactly one status on its inbound
/// sequence, which then finishes.
///
/// Thread confinement: every method runs on the channel's event loop.
final class GRPCClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private struct Bridge {
        var descriptor: MethodDescriptor
        var timeout: Duration?
        var inbound: ResponseSink
        var streamID: Int32?
    }

    /// Where a call's response parts go.
    enum ResponseSink: Sendable {
        /// Read part by part by the calling task (streaming calls), with flow control.
        case queue(InboundQueue<RPCResponsePart>)
        /// Gathered here and handed over whole (unary calls; at most two messages are kept).
        case unary(UnaryResponseWaiter)

        /// Adds a non-final part. Returns whether the stream should stop: `.pause` (the queue is
        /// over its high-water mark) or `.complete` (the unary response is decided without it).
        func append(_ part: RPCResponsePart, bytes: Int) -> AppendOutcome {
            switch self {
            case .queue(let queue): queue.append(part, bytes: bytes) ? .pause : .accepted
            case .unary(let waiter): waiter.append(part) ? .complete : .accepted
            }
        }

        /// The call's status: the last part.
        func finish(_ status: Status, _ trailers: Metadata) {
            switch self {
            case .queue(let queue):
                queue.append(.status(status, trailers), bytes: 0)
                queue.finish()
            case .unary(let waiter):
                waiter.append(.status(status, trailers))
            }
        }

        enum AppendOutcome {
            case accepted, pause, complete
        }
    }

    private let connection: GRPCClientConnection
    private let configuration: HTTP2ClientTransport.Configuration
    private let onGoAway: @Sendable () -> Void
    private let onClosed: @Sendable () -> Void
    private var context: ChannelHandlerContext?
    /// The channel's loop, kept after the channel closes (calls may still arrive).
    private var eventLoop: (any EventLoop)?
    // `@exclusivity(unchecked)` on the per-call state below: the runtime's exclusivity checks
    // on these properties were ≈ 3 % of a Swift client's CPU per call (`swift_beginAccess`,
    // `perf record` at 64 concurrent Gets). Unchecked is safe here because the handler is
    // confined to its event loop (no concurrent access) and no method holds an access to one of
    // them across a call that could reach it again (each is read or mutated in one statement,
    // or through `StreamTable.update`, which traps re-entry in debug builds).
    @exclusivity(unchecked) private var bridges = StreamTable<UInt64, Bridge>()
    @exclusivity(unchecked) private var tokens = StreamTable<Int32, UInt64>()
    /// The connection's events being processed (emptied after each batch).
    @exclusivity(unchecked) private var events: [GRPCClientConnection.Event] = []
    /// The calls' deadlines, enforced by one timer.
    @exclusivity(unchecked) private var deadlines = DeadlineTimer()
    @exclusivity(unchecked) private var waiters = WriteWaiters()
    private let pump = OutputPump()
    @exclusivity(unchecked) private var flushScheduled = false
    /// Requests finished since the last flush.
    @exclusivity(unchecked) private var requestsSinceFlush = 0
    private let keepalive = KeepaliveTimer()
    @exclusivity(unchecked) private var shuttingDown = false
    @exclusivity(unchecked) private var closed = false
    /// Whether any bytes came from the server yet (the first ones are checked for TLS).
    private var receivedAny = false
    /// Why the connection is being closed, if more is known than that it closed.
    private var closeReason: String?
    /// Why the connection ended, once it has (for calls that arrive afterwards).
    private var endReason: String?

    init(
        configuration: HTTP2ClientTransport.Configuration, authority: String,
        onGoAway: @escaping @Sendable () -> Void, onClosed: @escaping @Sendable () -> Void
    ) {
        var connectionConfiguration = GRPCClientConnection.Configuration(authority: authority)
        connectionConfiguration.maxReceiveMessageBytes = configuration.maxReceiveMessageBytes
        connectionConfiguration.maxSendMessageBytes = configuration.maxSendMessageBytes
        self.connection = GRPCClientConnection(configuration: connectionConfiguration)
        self.configuration = configuration
        self.onGoAway = onGoAway
        self.onClosed = onClosed
    }

    var isUsable: Bool { !closed && !shuttingDown && !connection.isGoingAway }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.eventLoop = context.eventLoop
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    private var started = false
    private func start(_ context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        if let configuration = configuration.keepalive {
            keepalive.start(
                on: context.eventLoop, configuration: configuration,
                sendPing: { [unowned self] in
                    connection.sendPing()
                    flush()
                },
                onTimeout: { [unowned self] in close() })
        }
        flush()  // preface and SETTINGS
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if !receivedAny {
            receivedAny = true
            if Self.looksLikeTLS(buffer) {
                closeReason = "The server answered with TLS; this client speaks plaintext (configure TLS for it)."
                close()
                return
            }
        }
        do {
            try buffer.withUnsafeReadableBytes { bytes throws(HTTP2ConnectionError) in try connection.receive(bytes) }
        } catch {
            processEvents()
            flush()
            close()
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
        // A gRPC server sends its SETTINGS first; silence then close is what a TLS server does to a
        // plaintext client whose alert was lost (a reset discards it).
        let silent =
            configuration.tls == nil
            ? "The server closed the connection without a word of HTTP/2 (a TLS server? Then configure TLS here)."
            : "The server closed the TLS connection before HTTP/2 started (did it refuse this client's certificate?)."
        teardown(reason: closeReason ?? (receivedAny ? "The connection to the server closed." : silent))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // E.g. the TLS alert of a server that refused this client's certificate (TLS 1.3 lets
        // the client's handshake finish before the server checks it).
        if closeReason == nil { closeReason = "The connection failed: \(error)" }
        close()
    }

    // MARK: Calls (invoked on the loop by the transport)

    /// What a call's first write brings along to register the call on this connection.
    struct Registration: Sendable {
        var descriptor: MethodDescriptor
        /// Sent to the server as `grpc-timeout`.
        var timeout: Duration?
        /// When the call ends with `DEADLINE_EXCEEDED` unless it ended before.
        var deadline: ContinuousClock.Instant?
        var inbound: ResponseSink
    }

    /// Writes request parts of call `token`, registering the call first if `registration` is
    /// given (its first write), and half-closes the request side if `finish` is set.
    func write(_ parts: [RPCRequestPart], token: UInt64, registration: Registration?, finish: Bool) -> EventLoopFuture<Void> {
        let loop = eventLoop!
        if let registration {
            guard !closed else {
                let reason = endReason ?? closeReason ?? "The connection to the server closed."
                registration.inbound.finish(Status(code: .unavailable, message: reason), [:])
                return loop.makeFailedFuture(RPCError(code: .unavailable, message: reason))
            }
            if case .unary(let waiter) = registration.inbound, waiter.cancelled {
                // Cancelled before it reached the connection (its cancellation found no call).
                let status = Status(code: .cancelled, message: "The RPC was cancelled by the client.")
                registration.inbound.finish(status, [:])
                return loop.makeFailedFuture(RPCError(code: .cancelled, message: "The call has ended."))
            }
            bridges[token] = Bridge(
                descriptor: registration.descriptor, timeout: registration.timeout, inbound: registration.inbound)
            if let deadline = registration.deadline {
                guard deadline > ContinuousClock.now else {
                    deadlineExceeded(token: token)
                    return loop.makeFailedFuture(RPCError(code: .deadlineExceeded, message: "The call has ended."))
                }
                deadlines.add(
                    token, deadline: deadline, liveCalls: bridges.count, isLive: { bridges[$0] != nil }, on: loop,
                    fire: deadlineTimerFire(on: loop))
            }
        }
        var result = loop.makeSucceededVoidFuture()
        for part in parts {
            result = write(part, token: token)
        }
        if finish { finishRequest(token: token) }
        return result
    }

    private func write(_ part: RPCRequestPart, token: UInt64) -> EventLoopFuture<Void> {
        let loop = eventLoop!
        guard let bridge = bridges[token] else {
            return loop.makeFailedFuture(RPCError(code: .unavailable, message: "The call has ended."))
        }
        switch part {
        case .metadata(let metadata):
            guard bridge.streamID == nil else { return loop.makeSucceededVoidFuture() }
            guard let streamID = connection.openStream(descriptor: bridge.descriptor, metadata: metadata, timeout: bridge.timeout) else {
                finishCall(token, Status(code: .unavailable, message: "The connection cannot open more streams."))
                return loop.makeFailedFuture(RPCError(code: .unavailable, message: "The connection cannot open more streams."))
            }
            bridges.update(token) { $0.streamID = streamID }
            tokens[streamID] = token
            scheduleFlush()
            return loop.makeSucceededVoidFuture()
        case .message(let bytes):
            guard let streamID = bridge.streamID else {
                preconditionFailure("a request message was written before the request metadata")
            }
            connection.sendMessage(bytes, on: streamID)
            scheduleFlush()
            processEvents()  // an oversized message fails the call locally
            guard connection.bufferedBytes(on: streamID) > configuration.streamHighWaterBytes else {
                return loop.makeSucceededVoidFuture()
            }
            let promise = loop.makePromise(of: Void.self)
            waiters.add(promise, for: streamID)
            return promise.futureResult
        }
    }

    func finishRequest(token: UInt64) {
        guard let streamID = bridges[token]?.streamID else { return }
        connection.finishRequest(on: streamID)
        // Written now once enough requests wait, rather than after the loop's queued work (see
        // `Configuration.maxRequestsPerWrite` and `requestWriteGroups`).
        requestsSinceFlush += 1
        let groupSize = max(configuration.maxRequestsPerWrite, bridges.count / configuration.requestWriteGroups)
        if requestsSinceFlush >= groupSize {
            flush()
        } else {
            scheduleFlush()
        }
    }

    /// The call's reader caught up: reopen its stream's flow-control window.
    func resumeInbound(token: UInt64) {
        guard let streamID = bridges[token]?.streamID else { return }
        connection.resumeInbound(on: streamID)
        scheduleFlush()
    }

    /// The caller is done with the call: reset it if it has not completed.
    func release(token: UInt64) {
        guard let bridge = bridges[token] else { return }
        if let streamID = bridge.streamID {
            connection.cancel(streamID)
            processEvents()
            scheduleFlush()
        } else {
            finishCall(token, Status(code: .cancelled, message: "The RPC was cancelled by the client."))
        }
    }

    private func deadlineTimerFire(on loop: any EventLoop) -> @Sendable () -> Void {
        let bound = NIOLoopBound(self, eventLoop: loop)
        return { bound.value.deadlineTimerFired() }
    }

    private func deadlineTimerFired() {
        guard let eventLoop, !closed else { return }
        // Ended calls are skipped in `deadlineExceeded`.
        for token in deadlines.fired(on: eventLoop, fire: deadlineTimerFire(on: eventLoop)) {
            deadlineExceeded(token: token)
        }
    }

    /// The call's deadline passed: it ends with `DEADLINE_EXCEEDED` and its stream is reset.
    private func deadlineExceeded(token: UInt64) {
        guard let bridge = bridges[token] else { return }
        let timeout = bridge.timeout ?? .zero
        finishCall(token, Status(code: .deadlineExceeded, message: "Deadline of \(timeout) exceeded."))
        if let streamID = bridge.streamID {
            connection.cancel(streamID)  // its CANCELLED status finds no call any more
            processEvents()
            scheduleFlush()
        }
    }

    /// Graceful close: GOAWAY, then close once the open calls have finished.
    func shutdown() {
        guard !shuttingDown else { return }
        shuttingDown = true
        connection.sendGoAway()
        flush()
        closeIfIdle()
    }

    // MARK: Events

    private func processEvents() {
        connection.takeEvents(into: &events)
        defer { events.removeAll(keepingCapacity: true) }
        for event in events {
            switch event {
            case .responsePart(let streamID, let part):
                guard let token = tokens[streamID] else { continue }
                if case .status(let status, let trailers) = part {
                    finishCall(token, status, trailers)
                } else {
                    let bytes = if case .message(let m) = part { m.count + 5 } else { 0 }
                    guard let bridge = bridges[token] else { continue }
                    switch bridge.inbound.append(part, bytes: bytes) {
                    case .accepted:
                        break
                    case .pause:
                        connection.pauseInbound(on: streamID)
                    case .complete:
                        // A unary response that cannot be valid: its caller has the outcome,
                        // the rest of the stream is not wanted (its CANCELLED status then finds
                        // no call; not processed here, inside this batch).
                        finishCall(token, Status(code: .cancelled, message: "The response was malformed."))
                        connection.cancel(streamID)
                        scheduleFlush()
                    }
                }
            case .goAway:
                onGoAway()
                closeIfIdle()
            case .pingAcknowledged:
                keepalive.acknowledged()
            }
        }
    }

    private func finishCall(_ token: UInt64, _ status: Status, _ trailers: Metadata = [:]) {
        guard let bridge = bridges.removeValue(forKey: token) else { return }
        bridge.inbound.finish(status, trailers)
        if let streamID = bridge.streamID {
            tokens[streamID] = nil
            waiters.fail(streamID) {
                RPCError(code: status.code == .ok ? .cancelled : status.code, message: "The call has ended.")
            }
        }
        closeIfIdle()
    }

    private func closeIfIdle() {
        if (shuttingDown || connection.isGoingAway) && bridges.isEmpty {
            flush()
            close()
        }
    }

    // MARK: Output

    private func scheduleFlush() {
        guard !flushScheduled, let context else { return }
        flushScheduled = true
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.execute { bound.value.flush() }
    }

    private func flush() {
        flushScheduled = false
        requestsSinceFlush = 0
        guard let context, !closed else { return }
        do {
            try pump.flush(
                context: context,
                collect: { (sink) throws(HTTP2ConnectionError) in try connection.collectOutput(sink) },
                didCollect: { processEvents() })
        } catch {
            close()
            return
        }
        waiters.resume(where: { connection.bufferedBytes(on: $0) }, lowWaterBytes: configuration.streamLowWaterBytes)
    }

    /// Whether `buffer` starts with a TLS record header (alert or handshake, version 3.x): what a
    /// TLS server sends a client that greeted it with the plaintext HTTP/2 preface.
    private static func looksLikeTLS(_ buffer: ByteBuffer) -> Bool {
        guard let header = buffer.getBytes(at: buffer.readerIndex, length: 2) else { return false }
        return (header[0] == 0x15 || header[0] == 0x16) && header[1] == 0x03
    }

    private func close() {
        guard !closed, let context else { return }
        closed = true
        context.close(promise: nil)
    }

    private func teardown(reason: String) {
        endReason = reason
        keepalive.cancel()
        deadlines.cancel()
        closed = true
        connection.connectionClosed(reason: reason)
        processEvents()
        for token in bridges.allKeys.sorted() {
            finishCall(token, Status(code: .unavailable, message: reason))
        }
        waiters.failAll(with: RPCError(code: .unavailable, message: reason))
        if context != nil {
            context = nil
            onClosed()
        }
    }
}
