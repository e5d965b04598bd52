/// The successful response of a unary or client-streaming call. Failures are thrown as
/// ``RPCError`` (with the trailing metadata the server sent).
public struct ClientResponse<Message: Sendable>: Sendable {
    public var metadata: Metadata
    public var message: Message
    public var trailingMetadata: Metadata

    public init(metadata: Metadata, message: Message, trailingMetadata: Metadata) {
        self.metadata = metadata
        self.message = message
        self.trailingMetadata = trailingMetadata
    }
}

/// The response of a server-streaming or bidirectional call, valid inside the response closure.
///
/// ``bodyParts`` yields each message and finally the trailing metadata; it throws an
/// ``RPCError`` if the call ends with a non-OK status.
public struct StreamingClientResponse<Message: Sendable>: Sendable {
    public enum BodyPart: Sendable {
        case message(Message)
        case trailingMetadata(Metadata)
    }

    public var metadata: Metadata
    public var bodyParts: RPCAsyncSequence<BodyPart>

    public init(metadata: Metadata, bodyParts: RPCAsyncSequence<BodyPart>) {
        self.metadata = metadata
        self.bodyParts = bodyParts
    }

    /// Only the messages (the trailing metadata is dropped).
    public var messages: RPCAsyncSequence<Message> {
        RPCAsyncSequence(wrapping: bodyParts.compactMap { part -> Message? in
            if case .message(let m) = part { return m } else { return nil }
        })
    }
}

/// Response parts of a client stream after its initial metadata, decoded into body parts.
struct ClientBodySequence<Deserializer: MessageDeserializer>: AsyncSequence, Sendable
where Deserializer.Message: Sendable {
    typealias Element = StreamingClientResponse<Deserializer.Message>.BodyPart
    let iterator: IteratorBox<RPCAsyncSequence<RPCResponsePart>.AsyncIterator>
    let deserializer: Deserializer

    struct AsyncIterator: AsyncIteratorProtocol {
        let iterator: IteratorBox<RPCAsyncSequence<RPCResponsePart>.AsyncIterator>
        let deserializer: Deserializer
        var done = false

        mutating func next() async throws -> Element? {
            if done { return nil }
            switch try await iterator.next() {
            case .message(let bytes)?:
                return .message(try deserializer.deserialize(bytes))
            case .status(let status, let trailers)?:
                done = true
                if status.code == .ok { return .trailingMetadata(trailers) }
                throw RPCError(code: status.code, message: status.message, metadata: trailers)
            case .metadata?:
                done = true
                throw RPCError(code: .internal, message: "The server sent initial metadata twice.")
            case nil:
                done = true
                // A transport's stream stops early only when the consuming task is cancelled.
                if Task.isCancelled { throw RPCError(code: .cancelled, message: "The RPC was cancelled.") }
                throw RPCError(code: .internal, message: "The response stream ended without a status.")
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(iterator: iterator, deserializer: deserializer)
    }
}
