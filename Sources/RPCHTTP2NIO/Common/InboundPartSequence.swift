import RPCCore

/// A stream's ``InboundQueue`` as the sequence the RPC core reads (through
/// `RPCAsyncSequence`), with its element type fixed by the `Part` of each side.
///
/// Why not the queue itself: `RPCAsyncSequence` calls its base's iterator through an
/// existential, and the witnesses of a generic type's conformance run unspecialized, so every
/// `next()` on `InboundQueue<Element>` looked up the generic metadata of its state and its
/// `(Element, Int)` items (≈ 4 % of the Swift client's CPU at 16 concurrent Gets, `perf`). The
/// iterators below are not generic: they call the queue with its element known, which the
/// optimizer specializes.
enum InboundPartSequence {
    /// What a client call reads: the server's response parts.
    struct Responses: AsyncSequence, Sendable {
        typealias Failure = any Error
        let queue: InboundQueue<RPCResponsePart>

        struct AsyncIterator: AsyncIteratorProtocol {
            let queue: InboundQueue<RPCResponsePart>
            mutating func next() async throws -> RPCResponsePart? { try await queue.next() }
            mutating func next(isolation actor: isolated (any Actor)?) async throws(any Error) -> RPCResponsePart? {
                try await queue.next()
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(queue: queue) }
    }

    /// What a server handler reads: the client's request parts.
    struct Requests: AsyncSequence, Sendable {
        typealias Failure = any Error
        let queue: InboundQueue<RPCRequestPart>

        struct AsyncIterator: AsyncIteratorProtocol {
            let queue: InboundQueue<RPCRequestPart>
            mutating func next() async throws -> RPCRequestPart? { try await queue.next() }
            mutating func next(isolation actor: isolated (any Actor)?) async throws(any Error) -> RPCRequestPart? {
                try await queue.next()
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(queue: queue) }
    }
}
