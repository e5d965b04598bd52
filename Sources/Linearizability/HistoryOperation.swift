/// One operation of a recorded history: what a client asked, what it got, and when.
///
/// Times are caller-chosen monotonic timestamps (for example nanoseconds since a fixed start
/// instant); only their order matters. Two operations are concurrent iff their
/// `[call, return]` intervals overlap.
public struct HistoryOperation<Input: Sendable, Output: Sendable>: Sendable {
    /// The client that issued the operation (for reports only).
    public var clientID: Int
    public var input: Input
    /// When the client issued the call.
    public var call: Int64
    /// What the client received, or `nil` if it never learnt the outcome (timed out, crashed).
    public var output: Output?
    /// When the client received the output. For a pending operation (`output == nil`) pass
    /// `nil`: it then stays open until the end of the history, since it may take effect at any
    /// point after its call — or never (the model decides what a missing output allows).
    public var `return`: Int64?

    public init(clientID: Int, input: Input, call: Int64, output: Output?, return returnTime: Int64?) {
        precondition(returnTime.map { $0 >= call } ?? true, "an operation cannot return before its call")
        self.clientID = clientID
        self.input = input
        self.call = call
        self.output = output
        self.return = returnTime
    }

    /// Whether the client never learnt the outcome.
    public var isPending: Bool { self.return == nil }
}
