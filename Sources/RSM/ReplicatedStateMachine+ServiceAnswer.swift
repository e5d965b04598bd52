package import RPCCore
package import RPCProtobuf

extension ReplicatedStateMachine {
    /// Submits a service's write `command` with the client's `session` and answers it: the
    /// decoded `Result`, or a retry outcome (see ``ServiceAnswer/init(_:memberAddresses:)``).
    /// Refusals become RPC statuses (see `RPCError.init(_:)` for ``ReplicatedStateMachineError``).
    ///
    /// Encoding and decoding run on the caller's task, not on the state machine's actor.
    package nonisolated func answer<Command: ProtobufCConvertible, Result, Outcome>(
        submitting command: Command, session: ClientSession?, memberAddresses: [UInt64: String]
    ) async throws(RPCError) -> ServiceAnswer<Result, Outcome> {
        let bytes = try ProtobufSerializer<Command>().serialize(command)
        let outcome: SubmitOutcome
        do {
            outcome = try await submit(bytes, session: session)
        } catch {
            throw RPCError(error)
        }
        return try ServiceAnswer(outcome, memberAddresses: memberAddresses)
    }

    /// Opens `session`'s client session (``ReplicatedStateMachine/openSession(_:)``) and answers
    /// like ``answer(submitting:session:memberAddresses:)``; the applied opening answers the
    /// service's default `Result` (outcome OK).
    package nonisolated func answer<Result, Outcome>(
        opening session: ClientSession, memberAddresses: [UInt64: String]
    ) async throws(RPCError) -> ServiceAnswer<Result, Outcome> {
        let outcome: SubmitOutcome
        do {
            outcome = try await openSession(session.clientID)
        } catch {
            throw RPCError(error)
        }
        return try ServiceAnswer(outcome, memberAddresses: memberAddresses)
    }

    /// Runs a service's read-only `command` through ``read(_:)`` and answers it like
    /// ``answer(submitting:session:memberAddresses:)``.
    package nonisolated func answer<Command: ProtobufCConvertible, Result, Outcome>(
        reading command: Command, memberAddresses: [UInt64: String]
    ) async throws(RPCError) -> ServiceAnswer<Result, Outcome> {
        let bytes = try ProtobufSerializer<Command>().serialize(command)
        let outcome: SubmitOutcome
        do {
            outcome = try await read(bytes)
        } catch {
            throw RPCError(error)
        }
        return try ServiceAnswer(outcome, memberAddresses: memberAddresses)
    }
}
