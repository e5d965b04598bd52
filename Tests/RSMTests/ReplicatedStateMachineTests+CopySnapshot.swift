import Dispatch
import RaftRuntime
import Synchronization
import Testing

@testable import RSM

/// A ``RecordingMachine`` whose snapshot encoding waits until the test opens a gate (on the
/// snapshot executor's thread), and that may be snapshotted from a copy.
struct GatedMachine: CopyOnWriteStateMachine {
    var recording = RecordingMachine()
    let gate: DispatchSemaphore

    mutating func apply(_ command: [UInt8], index: UInt64) -> [UInt8] { recording.apply(command, index: index) }
    func query(_ query: [UInt8]) -> [UInt8] { recording.query(query) }
    func snapshot() -> [UInt8] {
        gate.wait()
        return recording.snapshot()
    }
    mutating func restore(_ snapshot: [UInt8]) throws { try recording.restore(snapshot) }
}

/// Runs jobs on one dispatch queue of its own (a thread the gate above may block).
final class QueueTaskExecutor: TaskExecutor {
    let queue = DispatchQueue(label: "rsm-tests.snapshot-executor")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

extension ReplicatedStateMachineTests {
    /// With a copy-on-write machine and a snapshot executor, the applies go on while the
    /// snapshot is encoded, and the snapshot is the state at the index it was started at.
    @Test(.timeLimit(.minutes(1)))
    func aCopyOnWriteMachineIsSnapshottedWhileTheAppliesGoOn() async throws {
        let log = ScriptedLog()
        await log.setCommitsOnPropose(true)
        let gate = DispatchSemaphore(value: 0)
        var configuration = ReplicatedStateMachine.Configuration()
        configuration.submitTimeout = TestTimeout.limit
        configuration.maxRaftStateBytes = 1000
        configuration.snapshotExecutor = QueueTaskExecutor()
        let machine = try ReplicatedStateMachine(
            log: log, stateMachine: GatedMachine(gate: gate), configuration: configuration)
        await machine.start()
        await log.setRaftStateBytes(900)
        let large = String(repeating: "b", count: 120)
        #expect(try await machine.submit(large.bytes, session: nil) == .applied("1:\(large)".bytes))
        // The encoding of index 1 waits at the gate; later commands still apply and answer.
        for i in 2...4 {
            #expect(try await machine.submit("c\(i)".bytes, session: nil) == .applied("\(i):c\(i)".bytes))
        }
        #expect(await log.snapshots.isEmpty)
        #expect(await machine.status().snapshotIndex == 0)
        gate.signal()
        try await Self.waitForSnapshot(log)
        let snapshot = try #require(await log.snapshots.first)
        #expect(snapshot.index == 1)
        #expect(snapshot.data == Self.serviceSnapshot(sessions: [], state: large))
        #expect(await machine.status().snapshotIndex == 1)
        // Done encoding: the next look at the log's size takes the next snapshot (index 5).
        _ = try await machine.submit(large.bytes, session: nil)
        gate.signal()
        try await Self.waitForSnapshot(log, count: 2)
        #expect(await log.snapshots.map(\.index) == [1, 5])
        let state = "\(large)\nc2\nc3\nc4\n\(large)"
        #expect(await log.snapshots.last?.data == Self.serviceSnapshot(sessions: [], state: state))
        await machine.stop()
    }
}
