/// One HTTP/2 header field (names are lowercase on the wire).
public struct HeaderField: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// What an ``HTTP2Session`` observed while processing received bytes.
enum HTTP2Event {
    /// A complete header block (request, response or trailers).
    case headers(streamID: Int32, fields: [HeaderField], endStream: Bool)
    /// Payload bytes of a DATA frame.
    case data(streamID: Int32, bytes: [UInt8])
    /// A DATA frame carried END_STREAM (the peer half-closed).
    case endStream(streamID: Int32)
    /// The stream is closed (both sides ended, or reset). `errorCode` 0 is NO_ERROR.
    case streamClosed(streamID: Int32, errorCode: UInt32)
    /// A header block on `streamID` violated HTTP/2 rules; nghttp2 resets the stream.
    case invalidFrame(streamID: Int32, reason: String)
    /// The peer is going away: streams above `lastStreamID` were not processed.
    case goAway(lastStreamID: Int32, errorCode: UInt32)
    /// The peer acknowledged one of our PINGs.
    case pingAcknowledged
    /// A HEADERS frame with END_STREAM was sent on `streamID` (our side is finished).
    case sentEndStream(streamID: Int32)
}
