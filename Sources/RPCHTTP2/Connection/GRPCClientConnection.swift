public import RPCCore

/// The client side of one gRPC-over-HTTP/2 connection, sans I/O.
///
/// The driver opens streams with ``openStream(descriptor:metadata:timeout:)``, feeds request
/// messages, feeds received bytes to ``receive(_:)`` and delivers the ``Event``s. For every
/// opened stream exactly one ``RPCResponsePart/status(_:_:)`` is eventually delivered, whatever
/// happens (trailers, reset, malformed response, connection loss via ``connectionClosed(reason:)``).
///
/// Thread confinement: one owner (a NIO event loop); not `Sendable`.
public final class GRPCClientConnection {
    public struct Configuration: Sendable {
        /// `:authority` of requests, usually `host:port`.
        public var authority: String
        /// Largest response message accepted, in bytes; larger → `RESOURCE_EXHAUSTED`.
        public var maxReceiveMessageBytes: Int = 32 << 20
        /// Largest request message sent, in bytes; larger → `RESOURCE_EXHAUSTED`.
        public var maxSendMessageBytes: Int = 32 << 20
        public var userAgent = "skv-rpc/0.1"

        public init(authority: String) {
            self.authority = authority
        }
    }

    public enum Event {
        case responsePart(streamID: Int32, part: RPCResponsePart)
        /// The server is going away: open no more streams on this connection.
        case goAway(lastStreamID: Int32)
        case pingAcknowledged
    }

    private struct StreamState {
        var deframer: GRPCMessageDeframer
        var receivedHeaders = false
        var statusDelivered = false
        /// While paused, received DATA is not acknowledged at the stream level.
        var inboundPaused = false
        /// DATA bytes received while paused, acknowledged on resume.
        var unacknowledgedBytes = 0
    }

    public let configuration: Configuration
    private let session: HTTP2Session
    // `@exclusivity(unchecked)` on the per-call state: one owner (see the type's thread
    // confinement) and no access held across a call that could reach the property again
    // (`StreamTable.update` traps re-entry in debug builds); the runtime's checks on them were
    // a measurable part of each call's CPU (`swift_beginAccess`, `perf record`).
    @exclusivity(unchecked) private var streams = StreamTable<Int32, StreamState>()
    /// Most methods whose request headers are kept laid out (``requestHeaderBlock(for:)``); past
    /// it the cache starts over (a client calls a handful of methods per connection).
    static let maxCachedHeaderBlocks = 64
    @exclusivity(unchecked) private var headerBlocks: [MethodDescriptor: HeaderBlock] = [:]
    @exclusivity(unchecked) private var events: [Event] = []
    /// The session's events being processed (see ``handOver(_:to:)``).
    @exclusivity(unchecked) private var sessionEvents: [HTTP2Event] = []
    public private(set) var isGoingAway = false

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.session = HTTP2Session(role: .client)
    }

    public var openStreamCount: Int { streams.count }

    public func receive(_ bytes: UnsafeRawBufferPointer) throws(HTTP2ConnectionError) {
        // Events seen before an error (for example a GOAWAY) are still processed.
        defer { processSessionEvents() }
        try session.receive(bytes)
    }

    public func takeEvents() -> [Event] {
        defer { events.removeAll(keepingCapacity: true) }
        return events
    }

    /// Moves the events since the last call into `batch` (emptied first), in order, without
    /// allocating. Empty `batch` once it is processed, so that no handled event (a message's
    /// bytes) stays referenced.
    public func takeEvents(into batch: inout [Event]) {
        handOver(&events, to: &batch)
    }

    public func collectOutput(into buffer: inout [UInt8]) throws(HTTP2ConnectionError) {
        try collectOutput { buffer.append(contentsOf: $0) }
    }

    /// As ``collectOutput(into:)``, handing the bytes to `sink` chunk by chunk (each valid
    /// during its call only) instead of copying them into an array.
    public func collectOutput(_ sink: (UnsafeBufferPointer<UInt8>) -> Void) throws(HTTP2ConnectionError) {
        // Sending can complete streams (a trailers frame went out): surface those events.
        defer { processSessionEvents() }
        try session.collectOutput(sink)
    }

    /// Opens a stream by submitting its request headers; `nil` if the connection cannot take
    /// more streams (going away, ids exhausted).
    public func openStream(descriptor: MethodDescriptor, metadata: Metadata, timeout: Duration?) -> Int32? {
        guard !isGoingAway else { return nil }
        let block = requestHeaderBlock(for: descriptor)
        let callFields = GRPCHeaders.requestCallFields(timeout: timeout, metadata: metadata)
        guard let streamID = session.submitRequest(block, adding: callFields) else { return nil }
        streams[streamID] = StreamState(deframer: GRPCMessageDeframer(maxMessageBytes: configuration.maxReceiveMessageBytes))
        return streamID
    }

    /// The fixed request headers of `descriptor`'s calls, laid out once per method (see
    /// ``HeaderBlock``); at most ``maxCachedHeaderBlocks`` methods are kept.
    private func requestHeaderBlock(for descriptor: MethodDescriptor) -> HeaderBlock {
        if let block = headerBlocks[descriptor] { return block }
        if headerBlocks.count >= Self.maxCachedHeaderBlocks { headerBlocks.removeAll() }
        let block = HeaderBlock(GRPCHeaders.requestFixedFields(
            descriptor: descriptor, authority: configuration.authority, userAgent: configuration.userAgent))
        headerBlocks[descriptor] = block
        return block
    }

    /// Queues one request message. An oversized message fails the call locally.
    public func sendMessage(_ bytes: [UInt8], on streamID: Int32) {
        guard let stream = streams[streamID], !stream.statusDelivered else { return }
        guard bytes.count <= configuration.maxSendMessageBytes else {
            deliverStatus(Status(code: .resourceExhausted,
                message: "Request message of \(bytes.count) bytes exceeds the limit of \(configuration.maxSendMessageBytes) bytes."), on: streamID)
            session.resetStream(streamID, errorCode: 8)
            return
        }
        session.enqueueData(head: GRPCMessageFramer.prefix(length: bytes.count), body: bytes, on: streamID)
    }

    /// Half-closes the request side (END_STREAM).
    public func finishRequest(on streamID: Int32) {
        session.finishData(on: streamID, trailers: nil)
    }

    /// Bytes of a stream's request waiting for the server's flow-control window.
    public func bufferedBytes(on streamID: Int32) -> Int { session.bufferedBytes(on: streamID) }

    /// Stops acknowledging the stream's received DATA (the call's reader fell behind).
    public func pauseInbound(on streamID: Int32) {
        streams[streamID]?.inboundPaused = true
    }

    /// Acknowledges what arrived while paused and resumes acknowledging as data arrives.
    public func resumeInbound(on streamID: Int32) {
        guard var stream = streams[streamID], stream.inboundPaused else { return }
        session.consume(streamBytes: stream.unacknowledgedBytes, on: streamID)
        stream.inboundPaused = false
        stream.unacknowledgedBytes = 0
        streams[streamID] = stream
    }

    /// Cancels a stream (RST_STREAM CANCEL) and delivers `CANCELLED` if no status arrived yet.
    public func cancel(_ streamID: Int32) {
        guard streams[streamID] != nil else { return }
        deliverStatus(Status(code: .cancelled, message: "The RPC was cancelled by the client."), on: streamID)
        session.resetStream(streamID, errorCode: 8)
    }

    public func sendPing() { session.submitPing() }

    /// Polite close: GOAWAY NO_ERROR.
    public func sendGoAway() { session.submitGoAway(errorCode: 0) }

    /// The connection is gone: every open stream ends with `UNAVAILABLE`.
    public func connectionClosed(reason: String) {
        for streamID in streams.allKeys.sorted() {
            deliverStatus(Status(code: .unavailable, message: reason), on: streamID)
        }
        streams.removeAll()
    }

    private func deliverStatus(_ status: Status, _ trailers: Metadata = [:], on streamID: Int32) {
        let firstStatus = streams.update(streamID) { stream -> Bool in
            guard !stream.statusDelivered else { return false }
            stream.statusDelivered = true
            return true
        }
        guard firstStatus == true else { return }
        events.append(.responsePart(streamID: streamID, part: .status(status, trailers)))
    }

    private func processSessionEvents() {
        session.takeEvents(into: &sessionEvents)
        defer { sessionEvents.removeAll(keepingCapacity: true) }
        for event in sessionEvents {
            switch event {
            case .headers(let streamID, let fields, _):
                headers(streamID: streamID, fields: fields)
            case .data(let streamID, let bytes):
                data(streamID: streamID, bytes: bytes)
            case .endStream(let streamID):
                // DATA with END_STREAM but no trailers: the server broke the protocol.
                if let stream = streams[streamID], !stream.statusDelivered {
                    deliverStatus(Status(code: .internal, message: "The server ended the stream without trailers."), on: streamID)
                }
            case .streamClosed(let streamID, let errorCode):
                deliverStatus(GRPCHeaders.status(forResetCode: errorCode), on: streamID)
                streams[streamID] = nil
            case .goAway(let lastStreamID, _):
                isGoingAway = true
                events.append(.goAway(lastStreamID: lastStreamID))
            case .pingAcknowledged:
                events.append(.pingAcknowledged)
            case .invalidFrame(let streamID, let reason):
                deliverStatus(Status(code: .internal, message: "Malformed response headers: \(reason)."), on: streamID)
            case .sentEndStream:
                break
            }
        }
    }

    private func headers(streamID: Int32, fields: [HeaderField]) {
        guard var stream = streams[streamID], !stream.statusDelivered else { return }
        if stream.receivedHeaders {
            // Trailers.
            switch GRPCHeaders.metadata(from: fields) {
            case .success(let trailers): deliverStatus(GRPCHeaders.status(from: fields), trailers, on: streamID)
            case .failure(let error): deliverStatus(error.status, on: streamID)
            }
            return
        }
        stream.receivedHeaders = true
        streams[streamID] = stream
        let httpStatus = GRPCHeaders.value(":status", in: fields).flatMap { Int($0) } ?? 0
        guard httpStatus == 200 else {
            deliverStatus(GRPCHeaders.status(forHTTPStatus: httpStatus), on: streamID)
            session.resetStream(streamID, errorCode: 8)
            return
        }
        let metadata: Metadata
        switch GRPCHeaders.metadata(from: fields) {
        case .success(let m): metadata = m
        case .failure(let error):
            deliverStatus(error.status, on: streamID)
            session.resetStream(streamID, errorCode: 8)
            return
        }
        if GRPCHeaders.value("grpc-status", in: fields) != nil {
            // Trailers-only response.
            deliverStatus(GRPCHeaders.status(from: fields), metadata, on: streamID)
            return
        }
        guard let contentType = GRPCHeaders.value("content-type", in: fields), contentType.hasPrefix(GRPCHeaders.contentType) else {
            deliverStatus(Status(code: .unknown, message: "The response content-type is not application/grpc."), on: streamID)
            session.resetStream(streamID, errorCode: 8)
            return
        }
        events.append(.responsePart(streamID: streamID, part: .metadata(metadata)))
    }

    private func data(streamID: Int32, bytes: [UInt8]) {
        // As on the server: the connection window reopens at once, the stream window only
        // while the call's reader keeps up.
        session.consume(connectionBytes: bytes.count)
        // The stream's state is updated where it is kept (one look-up, no copy out and back).
        let outcome = streams.update(streamID) { stream -> DataChunkOutcome in
            guard !stream.statusDelivered else { return .notReading }
            if stream.inboundPaused {
                stream.unacknowledgedBytes += bytes.count
            } else {
                session.consume(streamBytes: bytes.count, on: streamID)
            }
            return stream.deframer.feed(bytes) { message in
                events.append(.responsePart(streamID: streamID, part: .message(message)))
            }
        }
        switch outcome ?? .notReading {
        case .deframed: break
        case .notReading: session.consume(streamBytes: bytes.count, on: streamID)
        case .malformed(let error):
            deliverStatus(GRPCServerConnection.status(for: error), on: streamID)
            session.resetStream(streamID, errorCode: 8)
        }
    }
}
