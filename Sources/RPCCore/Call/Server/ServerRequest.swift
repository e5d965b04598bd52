/// The request of a unary or server-streaming call, as a handler receives it.
public struct ServerRequest<Message: Sendable>: Sendable {
    public var metadata: Metadata
    public var message: Message

    public init(metadata: Metadata = [:], message: Message) {
        self.metadata = metadata
        self.message = message
    }
}

/// The request of a client-streaming or bidirectional call, as a handler receives it.
/// `messages` finishes when the client half-closes and throws if the client cancels or sends
/// a message that cannot be deserialized.
public struct StreamingServerRequest<Message: Sendable>: Sendable {
    public var metadata: Metadata
    public var messages: RPCAsyncSequence<Message>

    public init(metadata: Metadata = [:], messages: RPCAsyncSequence<Message>) {
        self.metadata = metadata
        self.messages = messages
    }
}
