package import RPCCore

extension RPCError {
    /// The status a service replies with when its replicated state machine refuses a request:
    /// `UNAVAILABLE` once stopped or after refusing a snapshot (other replicas can answer),
    /// `RESOURCE_EXHAUSTED` when too many requests wait, `FAILED_PRECONDITION` for a session
    /// sequence older than the client's latest, `INVALID_ARGUMENT` for a write numbered 0.
    package init(_ error: ReplicatedStateMachineError) {
        switch error {
        case .stopped, .snapshotRejected: self.init(code: .unavailable, message: error.description)
        case .overloaded: self.init(code: .resourceExhausted, message: error.description)
        case .staleSequence: self.init(code: .failedPrecondition, message: error.description)
        case .openingSequenceOnWrite: self.init(code: .invalidArgument, message: error.description)
        }
    }
}
