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
    /// The replica refused the snapshot at log `index` (from the leader, or the one it restarted
    /// from): its bytes do not decode as a service snapshot (`reason` says why). Corruption or a
    /// version mismatch, an operating error: the replica applies nothing past it and answers
    /// every request with this error (it still takes part in Raft, so the group keeps its
    /// majority); an operator must restore the replica's data (e.g. from a healthy member).
    case snapshotRejected(index: UInt64, reason: String)
    /// A write carried sequence 0, which opens a session (``ReplicatedStateMachine/openSession(_:)``)
    /// and never numbers a write. Nothing was applied.
    case openingSequenceOnWrite(ClientSession)

    public var description: String {
        switch self {
        case .stopped:
            "The replicated state machine is stopped."
        case .overloaded(let limit):
            "Too many submissions are waiting (the limit is \(limit))."
        case .staleSequence(let session, let latest):
            "The request of \(session) is older than the session's latest sequence \(latest)."
        case .snapshotRejected(let index, let reason):
            "The replica refused the undecodable snapshot at index \(index): \(reason)"
        case .openingSequenceOnWrite(let session):
            "The write of \(session) has sequence 0, which only opens a session; writes number from 1."
        }
    }
}
