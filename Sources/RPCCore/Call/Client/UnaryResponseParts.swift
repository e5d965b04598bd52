/// The response parts of a call that expects one message (a unary or client-streaming call),
/// gathered as they arrive until the response is complete: its status arrived, or it already
/// cannot be a valid single-message response (a message before the initial metadata, a second
/// message, initial metadata twice), after which further parts cannot change the call's outcome.
///
/// A transport gathers into this on its own thread and hands the whole response to the calling
/// task at once (``ClientTransport/unaryResponseParts(descriptor:options:request:)``), instead
/// of waking the task once per part. ``RPCClient`` then reads `parts` as it would read the
/// stream, so both paths end a call with the same outcome.
public struct UnaryResponseParts: Sendable {
    /// The parts in arrival order; the last is the status unless the response was cut short
    /// (``isComplete`` without a status: the caller reports the malformation it ends with).
    public private(set) var parts: [RPCResponsePart] = []
    /// Whether more parts cannot change the outcome (see the type's documentation).
    public private(set) var isComplete = false
    private var sawMetadata = false
    private var messages = 0

    public init() {
        parts.reserveCapacity(3)
    }

    /// Adds the next part; returns ``isComplete``. Parts after completion are dropped.
    @discardableResult
    public mutating func append(_ part: RPCResponsePart) -> Bool {
        guard !isComplete else { return true }
        parts.append(part)
        switch part {
        case .metadata:
            isComplete = sawMetadata || messages > 0
            sawMetadata = true
        case .message:
            messages += 1
            isComplete = !sawMetadata || messages > 1
        case .status:
            isComplete = true
        }
        return isComplete
    }
}
