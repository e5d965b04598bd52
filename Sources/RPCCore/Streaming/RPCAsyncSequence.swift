/// A type-erased, sendable async sequence: how messages and stream parts flow through the RPC
/// core without exposing the concrete stream type a transport uses.
public struct RPCAsyncSequence<Element: Sendable>: AsyncSequence, Sendable {
    public typealias Failure = any Error

    private let base: any AsyncSequence<Element, any Error> & Sendable

    public init(wrapping base: some AsyncSequence<Element, any Error> & Sendable) {
        self.base = base
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: any AsyncIteratorProtocol<Element, any Error>

        public mutating func next() async throws -> Element? {
            try await base.next(isolation: nil)
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws(any Error) -> Element? {
            try await base.next(isolation: actor)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator())
    }

    /// A sequence holding the given elements, then finishing (or throwing `error`).
    public static func elements(_ elements: [Element], throwing error: (any Error)? = nil) -> Self {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: Element.self)
        for element in elements { continuation.yield(element) }
        continuation.finish(throwing: error)
        return Self(wrapping: stream)
    }

    /// A sequence that finishes immediately.
    public static var empty: Self { .elements([]) }
}
