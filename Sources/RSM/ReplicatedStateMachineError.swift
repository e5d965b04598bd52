/// Why a ``ReplicatedStateMachine`` refused or abandoned a request (operating errors; the
/// domain outcomes are ``SubmitOutcome`` values).
public enum ReplicatedStateMachineError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The replica was stopped (killed or its log finished); try another replica.
    case stopped
    /// `limit` submissions are already waiting (``ReplicatedStateMachine/Configuration/maxPendingSubmissions``);
    /// back off and retry.
    case overloaded(limit: Int)
    /// The client's session already moved past this sequence number: the request is a late
    /// retry of a write whose reply the client must already have seen (a client that sends one
    /// request at a time never gets this). Nothing was applied.
    case staleSequence(ClientSession, latest: UInt64)

    public var description: String {
        switch self {
        case .stopped:
            "The replicated state machine is stopped."
        case .overloaded(let limit):
            "Too many submissions are waiting (the limit is \(limit))."
        case .staleSequence(let session, let latest):
            "The request of \(session) is older than the session's latest sequence \(latest)."
        }
    }
}
