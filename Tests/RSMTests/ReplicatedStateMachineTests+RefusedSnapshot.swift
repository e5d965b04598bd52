import RaftRuntime
import Testing

@testable import RSM

extension ReplicatedStateMachineTests {
    /// Bytes that are no `skv.rsm.Snapshot` (a truncated varint field).
    static let undecodableSnapshot: [UInt8] = [0x0A, 0xFF, 0xFF, 0xFF]

    @Test func anUndecodableSnapshotFromTheLeaderIsRefusedAndTheMachineStopsServing() async throws {
        let log = ScriptedLog()
        let machine = try await Self.make(log) { $0.submitTimeout = .seconds(30) }
        async let first = machine.submit("a".bytes, session: nil)
        try await log.waitForProposals(1)
        await log.commit(1)
        #expect(try await first == .applied("1:a".bytes))
        let waiting = Task { try await machine.submit("b".bytes, session: ClientSession(clientID: 3, sequence: 1)) }
        try await log.waitForProposals(2)

        await log.deliver(.snapshot(index: 5, term: 2, data: Self.undecodableSnapshot))
        // The waiting submission fails with the typed error (no trap); so does everything after.
        let isRejection: (any Error) -> Bool = { error in
            guard case .snapshotRejected(let index, let reason) = error as? ReplicatedStateMachineError else {
                return false
            }
            return index == 5 && !reason.isEmpty
        }
        await #expect(performing: { try await waiting.value }, throws: isRejection)
        await #expect(performing: { try await machine.submit("c".bytes, session: nil) }, throws: isRejection)
        await #expect(performing: { try await machine.read("q".bytes) }, throws: isRejection)
        await #expect(performing: { try await machine.readSnapshot() }, throws: isRejection)

        // Nothing of the snapshot or after it applies: the state stays what it was.
        await log.deliver(.command(index: 6, term: 2, data: Self.envelope("later")))
        await log.deliver(.snapshot(index: 9, term: 2, data: Self.serviceSnapshot(sessions: [], state: "x")))
        try await Task.sleep(for: .milliseconds(50))
        let status = await machine.status()
        #expect(status.isStopped && status.appliedIndex == 1 && status.snapshotIndex == 0, "\(status)")
        #expect(await machine.makeSnapshot() == Self.serviceSnapshot(sessions: [], state: "a"))
        await machine.stop()
    }
}
