package import RPCCore
package import RPCProtobuf

/// What a service request came to on a replica: the state machine's decoded result, or an
/// outcome the replication layer decided (retry elsewhere, with a leader hint when the replica
/// knows one; or the session expired).
///
/// Built from a ``SubmitOutcome`` by ``init(_:memberAddresses:)``, or directly by
/// ``ReplicatedStateMachine/answer(submitting:session:memberAddresses:)`` and
/// ``ReplicatedStateMachine/answer(reading:memberAddresses:)``; each service maps it to its
/// reply message in one `switch`.
package enum ServiceAnswer<Result: ProtobufCConvertible, Outcome: ReplicationOutcome>: Sendable {
    /// The command applied; this is the state machine's reply.
    case result(Result)
    /// `.wrongLeader` (with the hint, if known), `.timeout` or `.sessionExpired` (no hint).
    case outcome(Outcome, LeaderHint?)

    /// Decodes `.applied` bytes as `Result` (bytes that do not decode are the service's own bug:
    /// `INTERNAL`); `.wrongLeader` becomes a retry with the hint, its address taken from
    /// `memberAddresses`; `.timeout` and `.sessionExpired` the same outcomes without one.
    package init(_ outcome: SubmitOutcome, memberAddresses: [UInt64: String]) throws(RPCError) {
        switch outcome {
        case .applied(let bytes):
            do {
                self = .result(try ProtobufDeserializer<Result>().deserialize(bytes))
            } catch {
                throw RPCError(code: .internal, message: "The state machine's reply does not decode: \(error.message)")
            }
        case .wrongLeader(let hint):
            self = .outcome(.wrongLeader, LeaderHint(leaderID: hint, memberAddresses: memberAddresses))
        case .timeout:
            self = .outcome(.timeout, nil)
        case .sessionExpired:
            self = .outcome(.sessionExpired, nil)
        }
    }
}
