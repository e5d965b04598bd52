public import RPCCore

/// The server side of one gRPC-over-HTTP/2 connection, sans I/O.
///
/// The driver feeds received bytes to ``receive(_:)``, reacts to ``takeEvents()``, hands
/// response parts to ``send(_:on:)`` and writes whatever ``collectOutput(into:)`` produces.
/// Request validation (method, content type, encoding, path, timeout, metadata), message
/// deframing with the size limit, status trailers and the HTTP/2 details of ending a stream
/// live here, so every server driver behaves the same.
///
/// Thread confinement: one owner (a NIO event loop); not `Sendable`.
public final class GRPCServerConnection {
    public struct Configuration: Sendable {
        /// Largest request message accepted, in bytes; larger → `RESOURCE_EXHAUSTED`.
        public var maxReceiveMessageBytes: Int = 32 << 20
        /// Largest response message sent, in bytes; larger → `RESOURCE_EXHAUSTED`.
        public var maxSendMessageBytes: Int = 32 << 20
        /// SETTINGS_MAX_CONCURRENT_STREAMS advertised to clients.
        public var maxConcurrentStreams: UInt32 = 1_000

        public init() {}

        func validated() -> Self {
            precondition(maxReceiveMessageBytes > 0, "maxReceiveMessageBytes must be positive")
            precondition(maxSendMessageBytes > 0, "maxSendMessageBytes must be positive")
            precondition(maxConcurrentStreams > 0, "maxConcurrentStreams must be positive")
            return self
        }
    }

    public enum Event {
        /// A valid request arrived: start a handler.
        case streamOpened(streamID: Int32, descriptor: MethodDescriptor, metadata: Metadata, timeout: Duration?)
        /// One request message.
        case message(streamID: Int32, bytes: [UInt8])
        /// The client half-closed: no more messages.
        case requestEnded(streamID: Int32)
        /// The stream ended abnormally (client reset, bad message, connection error) before the
        /// handler sent its status: the handler should be cancelled.
        case streamFailed(streamID: Int32, error: RPCError)
        /// The stream is gone; no further events for it.
        case streamClosed(streamID: Int32)
        /// The client sent GOAWAY.
        case goAway
        case pingAcknowledged
    }

    private struct StreamState {
        var deframer: GRPCMessageDeframer
        var requestEnded = false
        var responseStarted = false
        var statusSent = false
        /// Whether the handler was told about this stream (streamOpened emitted).
        var opened = false
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
    @exclusivity(unchecked) private var events: [Event] = []
    /// The session's events being processed (see ``handOver(_:to:)``).
    @exclusivity(unchecked) private var sessionEvents: [HTTP2Event] = []

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration.validated()
        var settings = HTTP2Session.Settings()
        settings.maxConcurrentStreams = configuration.maxConcurrentStreams
        self.session = HTTP2Session(role: .server, settings: settings)
    }

    /// Streams that have not closed yet.
    public var openStreamCount: Int { streams.count }

    /// Whether the connection should be closed (nothing more to read or write).
    public var isFinished: Bool { !session.wantsRead && !session.wantsWrite }

    /// Processes received bytes. Throws ``HTTP2ConnectionError`` if they break HTTP/2 (a
    /// GOAWAY is then queued: flush output and close the connection).
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

    /// Bytes of a stream's response waiting for the client's flow-control window.
    public func bufferedBytes(on streamID: Int32) -> Int { session.bufferedBytes(on: streamID) }

    /// Stops acknowledging the stream's received DATA (its reader fell behind): once the
    /// stream window is used up, the client cannot send more on it.
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

    /// Sends one response part. Parts after the status, or for a stream that is gone, are
    /// dropped (the handler may race with a reset).
    public func send(_ part: RPCResponsePart, on streamID: Int32) {
        guard var stream = streams[streamID], !stream.statusSent else { return }
        switch part {
        case .metadata(let metadata):
            guard !stream.responseStarted else { return }
            stream.responseStarted = true
            streams[streamID] = stream
            session.submitResponse(streamID: streamID, headers: GRPCHeaders.responseHeaders(metadata), hasBody: true)
        case .message(let bytes):
            guard bytes.count <= configuration.maxSendMessageBytes else {
                send(.status(Status(code: .resourceExhausted,
                    message: "Response message of \(bytes.count) bytes exceeds the limit of \(configuration.maxSendMessageBytes) bytes."), [:]), on: streamID)
                return
            }
            if !stream.responseStarted {
                stream.responseStarted = true
                streams[streamID] = stream
                session.submitResponse(streamID: streamID, headers: GRPCHeaders.responseHeaders([:]), hasBody: true)
            }
            session.enqueueData(head: GRPCMessageFramer.prefix(length: bytes.count), body: bytes, on: streamID)
        case .status(let status, let trailers):
            stream.statusSent = true
            streams[streamID] = stream
            if stream.responseStarted {
                session.finishData(on: streamID, trailers: GRPCHeaders.trailers(status, trailers))
            } else {
                session.submitResponse(streamID: streamID, headers: GRPCHeaders.trailersOnly(status, trailers), hasBody: false)
            }
        }
    }

    /// First phase of graceful shutdown: tell the client to open no new streams.
    public func beginGracefulShutdown() {
        session.submitShutdownNotice()
    }

    /// Second phase: GOAWAY with the last processed stream id (in-flight streams continue).
    public func sendGoAway() {
        session.submitGoAway(errorCode: 0)
    }

    public func sendPing() { session.submitPing() }

    /// The connection broke (socket closed or errored): fail every stream still open.
    public func connectionClosed() {
        for streamID in streams.allKeys.sorted() {
            let stream = streams[streamID]!
            if stream.opened && !stream.statusSent {
                events.append(.streamFailed(streamID: streamID, error: RPCError(code: .unavailable, message: "The connection closed.")))
            }
            events.append(.streamClosed(streamID: streamID))
        }
        streams.removeAll()
    }

    // MARK: HTTP/2 events

    private func processSessionEvents() {
        session.takeEvents(into: &sessionEvents)
        defer { sessionEvents.removeAll(keepingCapacity: true) }
        for event in sessionEvents {
            switch event {
            case .headers(let streamID, let fields, let endStream):
                if streams[streamID] == nil {
                    requestHeaders(streamID: streamID, fields: fields, endStream: endStream)
                } else if endStream {
                    // gRPC clients send no trailers; an END_STREAM header block just ends the request.
                    requestEnded(streamID)
                }
            case .data(let streamID, let bytes):
                data(streamID: streamID, bytes: bytes)
            case .endStream(let streamID):
                requestEnded(streamID)
            case .streamClosed(let streamID, let errorCode):
                guard let stream = streams.removeValue(forKey: streamID) else { continue }
                if stream.opened && !stream.statusSent {
                    events.append(.streamFailed(streamID: streamID, error: RPCError(
                        code: .cancelled, message: "The client reset the stream (HTTP/2 error code \(errorCode)).")))
                }
                if stream.opened { events.append(.streamClosed(streamID: streamID)) }
            case .sentEndStream(let streamID):
                // Our trailers are out. A client that has not half-closed gets RST_STREAM
                // NO_ERROR so the stream does not linger (gRPC's HTTP/2 protocol allows this).
                if let stream = streams[streamID], !stream.requestEnded {
                    session.resetStream(streamID, errorCode: 0)
                }
            case .invalidFrame:
                break  // nghttp2 resets the stream; a streamClosed event follows if it was open.
            case .goAway:
                events.append(.goAway)
            case .pingAcknowledged:
                events.append(.pingAcknowledged)
            }
        }
    }

    private func requestHeaders(streamID: Int32, fields: [HeaderField], endStream: Bool) {
        var stream = StreamState(deframer: GRPCMessageDeframer(maxMessageBytes: configuration.maxReceiveMessageBytes))
        stream.requestEnded = endStream
        streams[streamID] = stream

        func reject(_ status: Status, httpStatus: Int = 200, extra: [HeaderField] = []) {
            streams[streamID]?.statusSent = true
            session.submitResponse(
                streamID: streamID, headers: GRPCHeaders.trailersOnly(status, [:], httpStatus: httpStatus, extra: extra), hasBody: false)
        }

        guard GRPCHeaders.value(":method", in: fields) == "POST" else {
            return reject(Status(code: .unimplemented, message: "gRPC requires POST."), httpStatus: 405)
        }
        guard let contentType = GRPCHeaders.value("content-type", in: fields), contentType.hasPrefix(GRPCHeaders.contentType) else {
            return reject(Status(code: .internal, message: "Content-Type must be application/grpc."), httpStatus: 415)
        }
        if let encoding = GRPCHeaders.value("grpc-encoding", in: fields), encoding != "identity" {
            return reject(
                Status(code: .unimplemented, message: "Compression '\(encoding)' is not supported."),
                extra: [HeaderField("grpc-accept-encoding", "identity")])
        }
        guard let path = GRPCHeaders.value(":path", in: fields), let descriptor = MethodDescriptor(path: path) else {
            return reject(Status(code: .unimplemented, message: "Malformed :path."))
        }
        var timeout: Duration?
        if let raw = GRPCHeaders.value("grpc-timeout", in: fields) {
            guard let parsed = GRPCTimeout.parse(raw) else {
                return reject(Status(code: .internal, message: "Malformed grpc-timeout '\(raw)'."))
            }
            timeout = parsed
        }
        let metadata: Metadata
        switch GRPCHeaders.metadata(from: fields) {
        case .success(let m): metadata = m
        case .failure(let error): return reject(error.status)
        }
        streams[streamID]?.opened = true
        events.append(.streamOpened(streamID: streamID, descriptor: descriptor, metadata: metadata, timeout: timeout))
        if endStream { events.append(.requestEnded(streamID: streamID)) }
    }

    private func data(streamID: Int32, bytes: [UInt8]) {
        // The connection window is always reopened at once, so one slow stream cannot stall
        // the others; the stream window reopens only while its reader keeps up.
        session.consume(connectionBytes: bytes.count)
        // The stream's state is updated where it is kept (one look-up, no copy out and back).
        let outcome = streams.update(streamID) { stream -> DataChunkOutcome in
            guard stream.opened, !stream.requestEnded, !stream.statusSent else { return .notReading }
            if stream.inboundPaused {
                stream.unacknowledgedBytes += bytes.count
            } else {
                session.consume(streamBytes: bytes.count, on: streamID)
            }
            return stream.deframer.feed(bytes) { message in
                events.append(.message(streamID: streamID, bytes: message))
            }
        }
        switch outcome ?? .notReading {
        case .deframed: break
        case .notReading: session.consume(streamBytes: bytes.count, on: streamID)
        case .malformed(let error): fail(streamID, Self.status(for: error))
        }
    }

    private func requestEnded(_ streamID: Int32) {
        guard var stream = streams[streamID], !stream.requestEnded else { return }
        stream.requestEnded = true
        streams[streamID] = stream
        guard stream.opened, !stream.statusSent else { return }
        do {
            try stream.deframer.finish()
            events.append(.requestEnded(streamID: streamID))
        } catch {
            fail(streamID, Self.status(for: error))
        }
    }

    /// Ends a stream with `status` because the request broke a rule, and tells the handler.
    private func fail(_ streamID: Int32, _ status: Status) {
        send(.status(status, [:]), on: streamID)
        events.append(.streamFailed(streamID: streamID, error: RPCError(code: status.code, message: status.message)))
    }

    static func status(for failure: GRPCMessageDeframer.Failure) -> Status {
        switch failure {
        case .messageTooLarge(let length, let limit):
            return Status(code: .resourceExhausted, message: "Message of \(length) bytes exceeds the limit of \(limit) bytes.")
        case .compressedWithoutEncoding:
            return Status(code: .internal, message: "A compressed message arrived but no grpc-encoding was negotiated.")
        case .invalidCompressionFlag(let flag):
            return Status(code: .internal, message: "Invalid compressed-flag byte \(flag).")
        case .truncated(let buffered):
            return Status(code: .internal, message: "The stream ended inside a message (\(buffered) bytes left over).")
        }
    }
}
