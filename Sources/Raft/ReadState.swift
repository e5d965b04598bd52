/// The answer to a `RaftNode.readIndex(context:)` request.
///
/// Once the application has applied every entry up to `index`, a read of its state machine
/// is linearizable with respect to the moment the request was made (Raft thesis §6.4).
/// `context` is the caller's request identifier, returned unchanged.
public struct ReadState: Sendable, Hashable {
    public var index: UInt64
    public var context: [UInt8]

    public init(index: UInt64, context: [UInt8]) {
        self.index = index
        self.context = context
    }
}
