/// Writes elements into one direction of a call.
///
/// `write` suspends while the transport applies back-pressure (HTTP/2 flow control, a full
/// send buffer) and throws once the call can no longer accept data (reset, cancelled,
/// connection lost), so a producer loop ends instead of writing into the void.
public struct RPCWriter<Element: Sendable>: Sendable {
    private let writeElement: @Sendable (Element) async throws -> Void
    private let writeElements: (@Sendable ([Element]) async throws -> Void)?

    /// `writeBatch`, if given, writes several elements at once (a transport can then hand them
    /// to its I/O thread in one hop); otherwise batches are written one element at a time.
    public init(
        _ write: @escaping @Sendable (Element) async throws -> Void,
        writeBatch: (@Sendable ([Element]) async throws -> Void)? = nil
    ) {
        self.writeElement = write
        self.writeElements = writeBatch
    }

    public func write(_ element: Element) async throws {
        try await writeElement(element)
    }

    public func write(contentsOf elements: some Sequence<Element>) async throws {
        if let writeElements {
            try await writeElements(Array(elements))
        } else {
            for element in elements { try await writeElement(element) }
        }
    }

    /// A writer that transforms each element before handing it to `self`.
    public func map<Input: Sendable>(_ transform: @escaping @Sendable (Input) throws -> Element) -> RPCWriter<Input> {
        RPCWriter<Input> { input in try await self.write(transform(input)) }
    }
}

/// A writer that can also be closed: closing the request side of a client call half-closes the
/// HTTP/2 stream (END_STREAM). Calling `finish` more than once has no further effect.
public struct ClosableRPCWriter<Element: Sendable>: Sendable {
    public let writer: RPCWriter<Element>
    private let finishWriting: @Sendable () async -> Void
    private let writeFinal: (@Sendable ([Element]) async throws -> Void)?

    /// `writeAndFinish`, if given, writes a last batch and closes in one step (a transport can
    /// then do both in one hop to its I/O thread).
    public init(
        writer: RPCWriter<Element>,
        finish: @escaping @Sendable () async -> Void,
        writeAndFinish: (@Sendable ([Element]) async throws -> Void)? = nil
    ) {
        self.writer = writer
        self.finishWriting = finish
        self.writeFinal = writeAndFinish
    }

    public func write(_ element: Element) async throws { try await writer.write(element) }

    public func write(contentsOf elements: some Sequence<Element>) async throws {
        try await writer.write(contentsOf: elements)
    }

    public func finish() async { await finishWriting() }

    /// Writes `elements`, then finishes.
    public func finish(afterWriting elements: [Element]) async throws {
        if let writeFinal {
            try await writeFinal(elements)
        } else {
            try await writer.write(contentsOf: elements)
            await finishWriting()
        }
    }
}
