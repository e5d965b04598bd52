/// What a client sends on one stream, in order: one `metadata`, then zero or more `message`s;
/// the end of the request stream is signalled by finishing the writer.
public enum RPCRequestPart: Sendable {
    case metadata(Metadata)
    /// One serialized message (no gRPC length prefix).
    case message([UInt8])
}

/// What a server sends on one stream, in order: optionally `metadata` (initial metadata), zero
/// or more `message`s, and exactly one `status` with trailing metadata, which ends the stream.
/// A `status` with no preceding `metadata` is a "trailers-only" response.
public enum RPCResponsePart: Sendable {
    case metadata(Metadata)
    case message([UInt8])
    case status(Status, Metadata)
}

/// One RPC stream as a transport hands it over: the method, what arrives and where to write.
public struct RPCStream<Inbound: Sendable, Outbound: Sendable>: Sendable {
    public var descriptor: MethodDescriptor
    public var inbound: RPCAsyncSequence<Inbound>
    public var outbound: ClosableRPCWriter<Outbound>

    public init(
        descriptor: MethodDescriptor,
        inbound: RPCAsyncSequence<Inbound>,
        outbound: ClosableRPCWriter<Outbound>
    ) {
        self.descriptor = descriptor
        self.inbound = inbound
        self.outbound = outbound
    }
}

/// The server's view of a stream: request parts in, response parts out.
public typealias ServerStream = RPCStream<RPCRequestPart, RPCResponsePart>
/// The client's view of a stream: response parts in, request parts out.
public typealias ClientStream = RPCStream<RPCResponsePart, RPCRequestPart>
