internal import CNGHTTP2
import RPCCore

/// An HTTP/2 connection endpoint driven purely in memory: bytes in (``receive(_:)``),
/// bytes out (``collectOutput(into:)``), events out (``takeEvents()``). It owns one
/// `nghttp2_session` and never touches a socket.
///
/// Thread confinement: an `HTTP2Session` is used by exactly one owner at a time (one NIO event
/// loop, or a test's single thread). It is not `Sendable`. The `nghttp2_session` pointer never
/// leaves this type; nghttp2 calls back into it (through `user_data`) only during
/// `receive` and `collectOutput`, on the caller's thread.
///
/// Outbound DATA is buffered per stream here and handed to nghttp2 by a data-source callback,
/// so nghttp2 applies HTTP/2 flow control: bytes stay buffered until the peer's window opens.
final class HTTP2Session {
    enum Role { case client, server }

    /// Connection-level limits.
    struct Settings {
        /// SETTINGS_MAX_CONCURRENT_STREAMS we advertise.
        var maxConcurrentStreams: UInt32 = 1_000
        /// SETTINGS_INITIAL_WINDOW_SIZE we advertise (per-stream receive window), in bytes.
        var initialStreamWindowBytes: UInt32 = 4 << 20
        /// Our connection-level receive window, in bytes.
        var connectionWindowBytes: Int32 = 16 << 20
        /// SETTINGS_MAX_HEADER_LIST_SIZE we advertise, in bytes.
        var maxHeaderListBytes: UInt32 = 64 << 10
    }

    /// Bytes queued for a stream's DATA: up to 8 leading bytes kept inline (a gRPC message's
    /// 5-byte prefix, which then needs no array of its own), then a body.
    private struct Chunk {
        /// The leading bytes, first byte in the lowest-order byte.
        var head: UInt64
        var headCount: Int
        var body: [UInt8]
        var count: Int { headCount + body.count }
    }

    /// A class so that the per-stream queue is mutated in place inside the table.
    private final class OutboundStream {
        // Unchecked: owned by the session (see the per-call state below).
        @exclusivity(unchecked) var chunks: [Chunk] = []
        @exclusivity(unchecked) var chunkOffset = 0
        @exclusivity(unchecked) var bufferedBytes = 0
        var ended = false
        var trailers: [HeaderField]?
        /// nghttp2 returned DEFERRED for this stream and needs `resume_data` when data arrives.
        var deferred = false
    }

    let role: Role
    private let session: OpaquePointer
    // `@exclusivity(unchecked)` on the per-call state: one owner (see above) and no access held
    // across a call that could reach the property again (nghttp2's callbacks run inside
    // `receive` and `collectOutput`, which hold none); the runtime's checks on them were a
    // measurable part of each call's CPU (`swift_beginAccess`, `perf record`).
    @exclusivity(unchecked) private var events: [HTTP2Event] = []
    /// The header block being received: its stream and fields so far. HTTP/2 sends a block's
    /// frames (HEADERS, then any CONTINUATIONs) back to back on the connection, so there is at
    /// most one at a time (RFC 9113, 6.10).
    @exclusivity(unchecked) private var pendingHeaders: (streamID: Int32, fields: [HeaderField])?
    @exclusivity(unchecked) private var outbound = StreamTable<Int32, OutboundStream>()

    init(role: Role, settings: Settings = Settings()) {
        self.role = role
        var callbacks: OpaquePointer?
        Self.check(nghttp2_session_callbacks_new(&callbacks), "nghttp2_session_callbacks_new")
        defer { nghttp2_session_callbacks_del(callbacks) }
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, onBeginHeaders)
        nghttp2_session_callbacks_set_on_header_callback(callbacks, onHeader)
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, onFrameReceived)
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, onDataChunk)
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, onStreamClose)
        nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, onFrameSent)
        nghttp2_session_callbacks_set_on_invalid_header_callback(callbacks, onInvalidHeader)

        var option: OpaquePointer?
        Self.check(nghttp2_option_new(&option), "nghttp2_option_new")
        defer { nghttp2_option_del(option) }
        // Let us send far more than the peer's default limit of 100 streams until its SETTINGS
        // arrive (nghttp2 otherwise assumes 100).
        nghttp2_option_set_peer_max_concurrent_streams(option, 1_000)
        // We acknowledge received DATA ourselves (``consume(connectionBytes:)``,
        // ``consume(streamBytes:on:)``), so that a stream whose reader falls behind stops
        // getting WINDOW_UPDATEs: HTTP/2 flow control then holds the sender back.
        nghttp2_option_set_no_auto_window_update(option, 1)

        var created: OpaquePointer?
        // The session gets an unretained pointer to `self`: the session is deleted in deinit,
        // so it never outlives the object it calls back into.
        let userData = Unmanaged.passUnretained(PlaceholderBox.shared).toOpaque()
        let rc: Int32
        switch role {
        case .client: rc = nghttp2_session_client_new2(&created, callbacks, userData, option)
        case .server: rc = nghttp2_session_server_new2(&created, callbacks, userData, option)
        }
        // Documented failure: NGHTTP2_ERR_NOMEM only; treat as fatal.
        Self.check(rc, "nghttp2_session_new")
        self.session = created!
        nghttp2_session_set_user_data(session, Unmanaged.passUnretained(self).toOpaque())

        var entries = [
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue), value: settings.maxConcurrentStreams),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue), value: settings.initialStreamWindowBytes),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue), value: settings.maxHeaderListBytes),
        ]
        // Documented failures: INVALID_ARGUMENT (values out of range: a programmer error) and NOMEM.
        Self.check(nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), &entries, entries.count), "nghttp2_submit_settings")
        Self.check(
            nghttp2_session_set_local_window_size(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0, settings.connectionWindowBytes),
            "nghttp2_session_set_local_window_size")
    }

    deinit {
        nghttp2_session_del(session)
    }

    /// Crashes on a return code that can only mean misuse or out-of-memory.
    private static func check(_ rc: Int32, _ call: StaticString) {
        precondition(rc == 0, "\(call) failed: \(String(cString: nghttp2_strerror(rc)))")
    }

    // MARK: Input and output

    /// Processes received bytes. Events are collected for ``takeEvents()``. Throws if the bytes
    /// are not valid HTTP/2 for this connection (bad preface, a malformed frame, a flow-control
    /// violation); nghttp2 has then queued a GOAWAY, so flush output before closing.
    func receive(_ bytes: UnsafeRawBufferPointer) throws(HTTP2ConnectionError) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        let consumed = nghttp2_session_mem_recv(session, base.assumingMemoryBound(to: UInt8.self), bytes.count)
        // Documented results: bytes consumed, or a negative error (NOMEM, CALLBACK_FAILURE,
        // BAD_CLIENT_MAGIC, FLOODED): all end the connection.
        if consumed < 0 {
            let code = Int32(consumed)
            throw HTTP2ConnectionError(code: Int(code), message: String(cString: nghttp2_strerror(code)))
        }
    }

    /// Events observed since the last call, in order.
    func takeEvents() -> [HTTP2Event] {
        defer { events.removeAll(keepingCapacity: true) }
        return events
    }

    /// Moves the events observed since the last call into `batch` (emptied first), in order,
    /// without allocating (see ``handOver(_:to:)``).
    func takeEvents(into batch: inout [HTTP2Event]) {
        handOver(&events, to: &batch)
    }

    /// Appends every frame nghttp2 wants to send to `buffer`.
    func collectOutput(into buffer: inout [UInt8]) throws(HTTP2ConnectionError) {
        try collectOutput { buffer.append(contentsOf: $0) }
    }

    /// Hands every frame nghttp2 wants to send to `sink`, chunk by chunk, in order (a chunk's
    /// memory is nghttp2's and valid during the call only).
    func collectOutput(_ sink: (UnsafeBufferPointer<UInt8>) -> Void) throws(HTTP2ConnectionError) {
        while true {
            var data: UnsafePointer<UInt8>?
            let length = nghttp2_session_mem_send(session, &data)
            if length < 0 {
                // Documented: NOMEM, CALLBACK_FAILURE.
                let code = Int32(length)
                throw HTTP2ConnectionError(code: Int(code), message: String(cString: nghttp2_strerror(code)))
            }
            guard length > 0, let data else { return }
            sink(UnsafeBufferPointer(start: data, count: length))
        }
    }

    /// Whether the connection still has anything to read or write. Both false: close it.
    var wantsRead: Bool { nghttp2_session_want_read(session) != 0 }
    var wantsWrite: Bool { nghttp2_session_want_write(session) != 0 }

    /// The highest stream id the peer opened that we processed (for GOAWAY).
    var lastProcessedStreamID: Int32 { nghttp2_session_get_last_proc_stream_id(session) }

    // MARK: Submitting frames

    /// Client: sends request headers and opens a stream whose body is fed by
    /// ``enqueueData(_:on:)`` / ``finishData(on:trailers:)``. Returns the stream id, or `nil`
    /// if no stream can be opened (stream ids exhausted, or the session is going away).
    func submitRequest(headers: [HeaderField]) -> Int32? {
        submitRequest(HeaderBlock(headers), adding: [])
    }

    /// Client: opens a stream with `block`'s header fields followed by `extra`'s (see
    /// ``submitRequest(headers:)``).
    func submitRequest(_ block: HeaderBlock, adding extra: [HeaderField]) -> Int32? {
        precondition(role == .client, "only clients submit requests")
        var provider = Self.dataProvider()
        let streamID = block.withNameValues(adding: extra) { nva in
            nghttp2_submit_request(session, nil, nva.baseAddress, nva.count, &provider, nil)
        }
        // Documented failures: NOMEM, STREAM_ID_NOT_AVAILABLE, INVALID_ARGUMENT (only for
        // self-dependency priority, which we never use), PROTO (server session).
        guard streamID > 0 else { return nil }
        outbound[streamID] = OutboundStream()
        return streamID
    }

    /// Server: sends response headers. With `hasBody`, DATA (and trailers) follow through
    /// ``enqueueData(_:on:)`` / ``finishData(on:trailers:)``; without, the HEADERS frame ends
    /// the stream (a gRPC "trailers-only" response). Returns false if the stream is gone.
    @discardableResult
    func submitResponse(streamID: Int32, headers: [HeaderField], hasBody: Bool) -> Bool {
        precondition(role == .server, "only servers submit responses")
        let rc: Int32
        if hasBody {
            var provider = Self.dataProvider()
            rc = HeaderBlock.withNameValues(headers) { nva in
                nghttp2_submit_response(session, streamID, nva.baseAddress, nva.count, &provider)
            }
            if rc == 0 { outbound[streamID] = OutboundStream() }
        } else {
            rc = HeaderBlock.withNameValues(headers) { nva in
                nghttp2_submit_response(session, streamID, nva.baseAddress, nva.count, nil)
            }
        }
        // Documented failures: NOMEM, INVALID_ARGUMENT (stream id 0), DATA_EXIST (response
        // already submitted), PROTO (client session). The last three are programmer errors
        // except when the stream was already closed, which we treat as "gone".
        return rc == 0
    }

    /// Queues DATA payload for a stream opened with a body.
    func enqueueData(_ bytes: [UInt8], on streamID: Int32) {
        enqueue(Chunk(head: 0, headCount: 0, body: bytes), on: streamID)
    }

    /// Queues DATA payload for a stream opened with a body: `head` (kept inline, no array), then
    /// `body` — a gRPC message's prefix and the message, without copying either into one array.
    func enqueueData(head: (UInt8, UInt8, UInt8, UInt8, UInt8), body: [UInt8], on streamID: Int32) {
        var packed: UInt64 = 0
        withUnsafeBytes(of: head) { bytes in
            for (index, byte) in bytes.enumerated() { packed |= UInt64(byte) << (8 * index) }
        }
        enqueue(Chunk(head: packed, headCount: 5, body: body), on: streamID)
    }

    private func enqueue(_ chunk: Chunk, on streamID: Int32) {
        guard chunk.count > 0, let stream = outbound[streamID], !stream.ended else { return }
        stream.chunks.append(chunk)
        stream.bufferedBytes += chunk.count
        let wasDeferred = stream.deferred
        stream.deferred = false
        if wasDeferred { resume(streamID) }
    }

    /// Marks the end of a stream's body: END_STREAM on the last DATA frame, or, with
    /// `trailers`, a final HEADERS frame carrying them.
    func finishData(on streamID: Int32, trailers: [HeaderField]?) {
        guard let stream = outbound[streamID], !stream.ended else { return }
        stream.ended = true
        stream.trailers = trailers
        let wasDeferred = stream.deferred
        stream.deferred = false
        if wasDeferred { resume(streamID) }
    }

    /// Bytes queued on a stream and not yet handed to nghttp2 (waiting for flow control).
    func bufferedBytes(on streamID: Int32) -> Int {
        outbound[streamID]?.bufferedBytes ?? 0
    }

    /// Acknowledges received DATA bytes at the connection level (they may produce a
    /// WINDOW_UPDATE on the next output).
    func consume(connectionBytes count: Int) {
        guard count > 0 else { return }
        // Documented failures: NOMEM; INVALID_STATE without NO_AUTO_WINDOW_UPDATE (not our case).
        _ = nghttp2_session_consume_connection(session, count)
    }

    /// Acknowledges received DATA bytes of one stream (a closed stream is ignored).
    func consume(streamBytes count: Int, on streamID: Int32) {
        guard count > 0 else { return }
        // Documented failures: NOMEM; INVALID_ARGUMENT for stream 0; INVALID_STATE as above.
        _ = nghttp2_session_consume_stream(session, streamID, count)
    }

    /// Resets a stream (RST_STREAM) with an HTTP/2 error code (0 NO_ERROR, 8 CANCEL, ...).
    func resetStream(_ streamID: Int32, errorCode: UInt32) {
        outbound[streamID] = nil
        // Documented failures: NOMEM; INVALID_ARGUMENT for stream 0 (programmer error).
        // Resetting an already-closed stream is accepted and ignored by nghttp2.
        _ = nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), streamID, errorCode)
    }

    /// Server: first phase of a graceful shutdown (a GOAWAY with the maximum stream id, so the
    /// client stops opening streams without losing those in flight).
    func submitShutdownNotice() {
        // Documented failures: NOMEM; INVALID_STATE on a client session (programmer error).
        _ = nghttp2_submit_shutdown_notice(session)
    }

    /// Sends GOAWAY with the last processed stream id; nghttp2 stops accepting new streams.
    func submitGoAway(errorCode: UInt32, debug: String = "") {
        var bytes = Array(debug.utf8)
        _ = bytes.withUnsafeMutableBufferPointer { buf in
            nghttp2_submit_goaway(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), lastProcessedStreamID, errorCode, buf.baseAddress, buf.count)
        }
    }

    /// Sends a PING; its acknowledgement arrives as ``HTTP2Event/pingAcknowledged``.
    func submitPing() {
        _ = nghttp2_submit_ping(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), nil)
    }

    /// Whether the stream is still known to nghttp2 (open or half-closed).
    func isStreamOpen(_ streamID: Int32) -> Bool {
        nghttp2_session_find_stream(session, streamID) != nil
    }

    private func resume(_ streamID: Int32) {
        // Documented failures: NOMEM, INVALID_ARGUMENT (no such stream / no data: the stream
        // closed meanwhile, which is fine to ignore).
        _ = nghttp2_session_resume_data(session, streamID)
    }

    // MARK: Callback targets (called by nghttp2 during receive/collectOutput)

    fileprivate func beginHeaders(streamID: Int32) {
        pendingHeaders = (streamID, Self.newHeaderBlock())
    }

    fileprivate func header(streamID: Int32, name: HeaderField) {
        if pendingHeaders?.streamID != streamID { pendingHeaders = (streamID, Self.newHeaderBlock()) }
        pendingHeaders!.fields.append(name)
    }

    /// The fields received for `streamID`'s header block (none if the block was for another
    /// stream or already taken), and no block pending any more.
    private func takePendingHeaders(streamID: Int32) -> [HeaderField] {
        guard let pending = pendingHeaders, pending.streamID == streamID else { return [] }
        pendingHeaders = nil
        return pending.fields
    }

    /// Room for a gRPC request's or response's usual fields, so that a block does not regrow
    /// field by field (1, 2, 4, 8).
    private static func newHeaderBlock() -> [HeaderField] {
        var fields: [HeaderField] = []
        fields.reserveCapacity(8)
        return fields
    }

    fileprivate func frameReceived(type: UInt8, flags: UInt8, streamID: Int32, frame: UnsafePointer<nghttp2_frame>) {
        let endStream = flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
        switch UInt32(type) {
        case NGHTTP2_HEADERS.rawValue:
            let fields = takePendingHeaders(streamID: streamID)
            events.append(.headers(streamID: streamID, fields: fields, endStream: endStream))
        case NGHTTP2_DATA.rawValue:
            if endStream { events.append(.endStream(streamID: streamID)) }
        case NGHTTP2_GOAWAY.rawValue:
            events.append(.goAway(lastStreamID: frame.pointee.goaway.last_stream_id, errorCode: frame.pointee.goaway.error_code))
        case NGHTTP2_PING.rawValue:
            if flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) != 0 { events.append(.pingAcknowledged) }
        default:
            break
        }
    }

    fileprivate func dataChunk(streamID: Int32, bytes: UnsafeBufferPointer<UInt8>) {
        events.append(.data(streamID: streamID, bytes: ByteCopy.array(UnsafeRawBufferPointer(bytes))))
    }

    fileprivate func streamClosed(streamID: Int32, errorCode: UInt32) {
        outbound[streamID] = nil
        if pendingHeaders?.streamID == streamID { pendingHeaders = nil }
        events.append(.streamClosed(streamID: streamID, errorCode: errorCode))
    }

    fileprivate func frameSent(type: UInt8, flags: UInt8, streamID: Int32) {
        if UInt32(type) == NGHTTP2_HEADERS.rawValue && flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0 {
            events.append(.sentEndStream(streamID: streamID))
        }
    }

    fileprivate func invalidHeader(streamID: Int32, name: String) {
        if pendingHeaders?.streamID == streamID { pendingHeaders = nil }
        events.append(.invalidFrame(streamID: streamID, reason: "invalid header field '\(name)'"))
    }

    /// Fills nghttp2's buffer from the stream's queue. Returns bytes written, or DEFERRED when
    /// the queue is empty and the stream not ended.
    fileprivate func readData(streamID: Int32, into buffer: UnsafeMutablePointer<UInt8>, capacity: Int, flags: UnsafeMutablePointer<UInt32>) -> Int {
        guard let stream = outbound[streamID] else {
            // Not ours any more (reset): end the stream's DATA.
            return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue)
        }
        var written = 0
        while written < capacity, !stream.chunks.isEmpty {
            let chunk = stream.chunks[0]
            if stream.chunkOffset < chunk.headCount {
                let count = min(chunk.headCount - stream.chunkOffset, capacity - written)
                withUnsafeBytes(of: chunk.head.littleEndian) { head in
                    for index in 0..<count { buffer[written + index] = head[stream.chunkOffset + index] }
                }
                written += count
                stream.chunkOffset += count
                stream.bufferedBytes -= count
            }
            let bodyOffset = stream.chunkOffset - chunk.headCount
            let count = min(chunk.body.count - max(bodyOffset, 0), capacity - written)
            if bodyOffset >= 0, count > 0 {
                chunk.body.withUnsafeBytes { src in
                    ByteCopy.copy(to: buffer + written, from: src.baseAddress! + bodyOffset, count: count)
                }
                written += count
                stream.chunkOffset += count
                stream.bufferedBytes -= count
            }
            if stream.chunkOffset == chunk.count {
                stream.chunks.removeFirst()
                stream.chunkOffset = 0
            }
        }
        if stream.chunks.isEmpty {
            if stream.ended {
                flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
                if let trailers = stream.trailers {
                    flags.pointee |= NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue
                    let rc = HeaderBlock.withNameValues(trailers) { nva in
                        nghttp2_submit_trailer(session, streamID, nva.baseAddress, nva.count)
                    }
                    // Documented failures: NOMEM, INVALID_ARGUMENT (stream 0). On failure the
                    // stream cannot be completed properly: reset it.
                    if rc != 0 {
                        _ = nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), streamID, UInt32(NGHTTP2_INTERNAL_ERROR.rawValue))
                    }
                }
                outbound[streamID] = nil
                return written
            } else if written == 0 {
                stream.deferred = true
                return Int(NGHTTP2_ERR_DEFERRED.rawValue)
            }
        }
        return written
    }

    // MARK: Helpers

    private static func dataProvider() -> nghttp2_data_provider {
        var provider = nghttp2_data_provider()
        provider.read_callback = readDataCallback
        return provider
    }
}

/// A stand-in object for the construction-time `user_data`, replaced by the session itself
/// right after creation (Swift does not allow `self` before all stored properties are set).
private final class PlaceholderBox: Sendable {
    static let shared = PlaceholderBox()
}

// MARK: C callbacks: each recovers the HTTP2Session from user_data and forwards.

private func session(_ userData: UnsafeMutableRawPointer?) -> HTTP2Session {
    Unmanaged<HTTP2Session>.fromOpaque(userData!).takeUnretainedValue()
}

private func onBeginHeaders(_: OpaquePointer?, frame: UnsafePointer<nghttp2_frame>?, userData: UnsafeMutableRawPointer?) -> Int32 {
    session(userData).beginHeaders(streamID: frame!.pointee.hd.stream_id)
    return 0
}

private func onHeader(
    _: OpaquePointer?, frame: UnsafePointer<nghttp2_frame>?, name: UnsafePointer<UInt8>?, nameLength: Int,
    value: UnsafePointer<UInt8>?, valueLength: Int, flags: UInt8, userData: UnsafeMutableRawPointer?
) -> Int32 {
    let field = HeaderField(
        CommonHeaderStrings.string(UnsafeBufferPointer(start: name, count: nameLength)),
        CommonHeaderStrings.string(UnsafeBufferPointer(start: value, count: valueLength)))
    session(userData).header(streamID: frame!.pointee.hd.stream_id, name: field)
    return 0
}

private func onFrameReceived(_: OpaquePointer?, frame: UnsafePointer<nghttp2_frame>?, userData: UnsafeMutableRawPointer?) -> Int32 {
    let hd = frame!.pointee.hd
    session(userData).frameReceived(type: hd.type, flags: hd.flags, streamID: hd.stream_id, frame: frame!)
    return 0
}

private func onDataChunk(
    _: OpaquePointer?, flags: UInt8, streamID: Int32, data: UnsafePointer<UInt8>?, length: Int, userData: UnsafeMutableRawPointer?
) -> Int32 {
    session(userData).dataChunk(streamID: streamID, bytes: UnsafeBufferPointer(start: data, count: length))
    return 0
}

private func onStreamClose(_: OpaquePointer?, streamID: Int32, errorCode: UInt32, userData: UnsafeMutableRawPointer?) -> Int32 {
    session(userData).streamClosed(streamID: streamID, errorCode: errorCode)
    return 0
}

private func onFrameSent(_: OpaquePointer?, frame: UnsafePointer<nghttp2_frame>?, userData: UnsafeMutableRawPointer?) -> Int32 {
    let hd = frame!.pointee.hd
    session(userData).frameSent(type: hd.type, flags: hd.flags, streamID: hd.stream_id)
    return 0
}

private func onInvalidHeader(
    _: OpaquePointer?, frame: UnsafePointer<nghttp2_frame>?, name: UnsafePointer<UInt8>?, nameLength: Int,
    value: UnsafePointer<UInt8>?, valueLength: Int, flags: UInt8, userData: UnsafeMutableRawPointer?
) -> Int32 {
    let headerName = String(decoding: UnsafeBufferPointer(start: name, count: nameLength), as: UTF8.self)
    session(userData).invalidHeader(streamID: frame!.pointee.hd.stream_id, name: headerName)
    // TEMPORAL_CALLBACK_FAILURE resets the stream with PROTOCOL_ERROR (returning 0 would
    // silently drop the field and carry on).
    return Int32(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue)
}

private func readDataCallback(
    _: OpaquePointer?, streamID: Int32, buffer: UnsafeMutablePointer<UInt8>?, length: Int,
    flags: UnsafeMutablePointer<UInt32>?, source: UnsafeMutablePointer<nghttp2_data_source>?, userData: UnsafeMutableRawPointer?
) -> Int {
    session(userData).readData(streamID: streamID, into: buffer!, capacity: length, flags: flags!)
}
