package import RPCCore
package import RPCProtobuf

/// What a service request came to on a replica: the state machine's decoded result, or an
/// outcome telling the clerk to retry (with a leader hint when the replica knows one).
///
/// Built from a ``SubmitOutcome`` by ``init(_:memberAddresses:)``, or directly by
/// ``ReplicatedStateMachine/answer(submitting:session:memberAddresses:)`` and
/// ``ReplicatedStateMachine/answer(reading:memberAddresses:)``; each service maps it to its
/// reply message in one `switch`.
package enum ServiceAnswer<Result: ProtobufCConvertible, Outcome: RetryableOutcome>: Sendable {
    /// The command applied; this is the state machine's reply.
    case result(Result)
    /// `.wrongLeader` (with the hint, if known) or `.timeout` (no hint).
    case retry(Outcome, LeaderHint?)

    /// Decodes `.applied` bytes as `Result` (bytes that do not decode are the service's own bug:
    /// `INTERNAL`); `.wrongLeader` becomes a retry with the hint, its address taken from
    /// `memberAddresses`; `.timeout` a retry without one.
    package init(_ outcome: SubmitOutcome, memberAddresses: [UInt64: String]) throws(RPCError) {
        switch outcome {
        case .applied(let bytes):
            do {
                self = .result(try ProtobufDeserializer<Result>().deserialize(bytes))
            } catch {
                throw RPCError(code: .internal, message: "The state machine's reply does not decode: \(error.message)")
            }
        case .wrongLeader(let hint):
            self = .retry(.wrongLeader, LeaderHint(leaderID: hint, memberAddresses: memberAddresses))
        case .timeout:
            self = .retry(.timeout, nil)
        }
    }
}
