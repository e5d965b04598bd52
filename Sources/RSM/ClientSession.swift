/// The exactly-once identity of one client request: the client's random non-zero id and its
/// sequence number.
///
/// A client numbers its writes 1, 2, 3, … and sends write n+1 only after it saw the reply to
/// write n, retrying n with the same number meanwhile; the replicated state machine therefore
/// keeps only the last write (and reply) per client.
public struct ClientSession: Sendable, Hashable, CustomStringConvertible {
    public var clientID: UInt64
    public var sequence: UInt64

    /// `clientID` must not be 0 (0 on the wire means "no session").
    public init(clientID: UInt64, sequence: UInt64) {
        precondition(clientID != 0, "client id 0 means no session")
        self.clientID = clientID
        self.sequence = sequence
    }

    public var description: String { "client \(clientID) #\(sequence)" }
}
