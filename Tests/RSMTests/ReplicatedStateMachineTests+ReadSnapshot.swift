import RPCProtobuf
import RaftRuntime
@testable import RSM
import Testing

/// ``ReplicatedStateMachine/readSnapshot()`` (a backup's consistent copy) and
/// ``ReplicatedStateMachine/verifySnapshot(_:restoringInto:)``.
extension ReplicatedStateMachineTests {
    @Test func aSnapshotReadWaitsForItsReadIndexAndCopiesSessionsAndState() async throws {
        let log = ScriptedLog()
        await log.skip(1)
        let machine = try await Self.make(log)
        // Client 9's session was opened at index 1.
        await log.deliver(.command(index: 1, term: 1, data: Self.envelope("", client: 9, sequence: 0)))
        try await Self.waitApplied(machine, 1)
        async let first = machine.submit("a".bytes, session: ClientSession(clientID: 9, sequence: 1))
        try await log.waitForProposals(1)
        async let second = machine.submit("b".bytes, session: nil)
        try await log.waitForProposals(2)
        async let copy = machine.readSnapshot()
        // The read index covers both writes; neither has applied yet.
        try await log.answerReadIndex(.success(3))
        await log.commit(2)
        await log.commit(3)
        _ = try await (first, second)
        guard case .snapshot(let index, let data) = try await copy else {
            Issue.record("expected a snapshot")
            return
        }
        #expect(index == 3)
        let snapshot = try ProtobufDeserializer<ServiceSnapshot>().deserialize(data)
        #expect(snapshot.state == "a\nb".bytes)
        #expect(snapshot.sessions.map(\.clientID) == [9])
        #expect(await log.proposals.count == 2, "a snapshot read proposes nothing")

        var restored = RecordingMachine()
        #expect(try ReplicatedStateMachine.verifySnapshot(data, restoringInto: &restored) == 1)
        #expect(restored.applied == ["a", "b"])
    }

    @Test func aSnapshotReadAtAFollowerOrWithoutQuorumIsARetryOutcome() async throws {
        let follower = ScriptedLog()
        await follower.setLeadership(term: 2, isLeader: false, hint: 3)
        #expect(try await Self.make(follower).readSnapshot() == .wrongLeader(leaderHint: 3))

        let leader = ScriptedLog()
        let machine = try await Self.make(leader)
        async let copy = machine.readSnapshot()
        try await leader.answerReadIndex(.failure(.timeout))
        #expect(try await copy == .timeout)
        await machine.stop()
        await #expect(throws: ReplicatedStateMachineError.stopped) { try await machine.readSnapshot() }
    }

    @Test func verifySnapshotRefusesBytesThatAreNotAServiceSnapshot() {
        var machine = RecordingMachine()
        #expect(throws: (any Error).self) {
            try ReplicatedStateMachine.verifySnapshot([0xFF, 0xFF, 0xFF], restoringInto: &machine)
        }
    }
}
