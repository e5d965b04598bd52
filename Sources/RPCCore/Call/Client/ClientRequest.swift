/// The request of a unary or server-streaming call.
public struct ClientRequest<Message: Sendable>: Sendable {
    public var metadata: Metadata
    public var message: Message

    public init(message: Message, metadata: Metadata = [:]) {
        self.metadata = metadata
        self.message = message
    }
}

/// The request of a client-streaming or bidirectional call: metadata and a producer that
/// writes the request messages. The request stream is half-closed when the producer returns.
public struct StreamingClientRequest<Message: Sendable>: Sendable {
    public var metadata: Metadata
    public var producer: @Sendable (RPCWriter<Message>) async throws -> Void
    /// Set when the request is one message known up front, so that the client can send
    /// headers, message and end of stream together.
    let single: ClientRequest<Message>?

    public init(metadata: Metadata = [:], producer: @escaping @Sendable (RPCWriter<Message>) async throws -> Void) {
        self.metadata = metadata
        self.producer = producer
        self.single = nil
    }

    public init(single request: ClientRequest<Message>) {
        self.single = request
        self.metadata = request.metadata
        self.producer = { writer in try await writer.write(request.message) }
    }
}
