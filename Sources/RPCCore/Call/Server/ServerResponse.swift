/// The response of a unary or client-streaming handler. Handlers report failure by throwing an
/// ``RPCError`` (its metadata becomes the trailing metadata).
public struct ServerResponse<Message: Sendable>: Sendable {
    public var metadata: Metadata
    public var message: Message
    public var trailingMetadata: Metadata

    public init(metadata: Metadata = [:], message: Message, trailingMetadata: Metadata = [:]) {
        self.metadata = metadata
        self.message = message
        self.trailingMetadata = trailingMetadata
    }
}

/// The response of a server-streaming or bidirectional handler: initial metadata, then a
/// producer that writes messages and returns the trailing metadata. The call ends with `OK`
/// when the producer returns, or with the status of the ``RPCError`` it throws.
public struct StreamingServerResponse<Message: Sendable>: Sendable {
    public var metadata: Metadata
    public var producer: @Sendable (RPCWriter<Message>) async throws -> Metadata
    /// Set when the response is one message known up front, so that the router can write
    /// metadata, message and status as one batch.
    let single: ServerResponse<Message>?

    public init(
        metadata: Metadata = [:],
        producer: @escaping @Sendable (RPCWriter<Message>) async throws -> Metadata
    ) {
        self.metadata = metadata
        self.producer = producer
        self.single = nil
    }

    /// A streaming response carrying one unary response.
    public init(single response: ServerResponse<Message>) {
        self.single = response
        self.metadata = response.metadata
        self.producer = { writer in
            try await writer.write(response.message)
            return response.trailingMetadata
        }
    }
}
