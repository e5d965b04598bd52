import RSM
import Testing

/// ``ReplicatedStateMachine/inspect(_:_:)``: a local look at the applied state and index.
extension ReplicatedStateMachineTests {
    @Test func inspectSeesTheStateAsAppliedSoFar() async throws {
        let log = ScriptedLog()
        await log.setCommitsOnPropose(true)
        let machine = try await Self.make(log)
        let (empty, start) = await machine.inspect(RecordingMachine.self) { ($0.applied, $1) }
        #expect(empty.isEmpty)
        #expect(start == 0)
        for command in ["a", "b", "c"] { _ = try await machine.submit(command.bytes, session: nil) }
        let (applied, index) = await machine.inspect(RecordingMachine.self) { ($0.applied, $1) }
        #expect(applied == ["a", "b", "c"])
        #expect(index == 3)
        #expect(index == (await machine.status().appliedIndex))
        // A read-only look, and it still answers once the machine stopped.
        await machine.stop()
        #expect(await machine.inspect(RecordingMachine.self) { machine, _ in machine.applied.count } == 3)
    }
}
