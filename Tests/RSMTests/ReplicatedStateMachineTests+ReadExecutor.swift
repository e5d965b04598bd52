import Dispatch
import Synchronization
import Testing

@testable import RSM

/// Counts the jobs it runs (on a serial queue of its own).
private final class CountingTaskExecutor: TaskExecutor {
    let queue = DispatchQueue(label: "skv.test.counting-executor")
    let jobs = Mutex(0)

    func enqueue(_ job: consuming ExecutorJob) {
        jobs.withLock { $0 += 1 }
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

extension ReplicatedStateMachineTests {
    /// `Configuration.readTaskExecutor`: ReadIndex rounds run there, the apply loop does not.
    @Test func readRoundsRunOnTheReadTaskExecutor() async throws {
        let executor = CountingTaskExecutor()
        let log = ScriptedLog()
        let machine = try await Self.make(log) { $0.readTaskExecutor = executor }
        async let write = machine.submit("a".bytes, session: nil)
        try await log.waitForProposals(1)
        await log.commit(1)
        #expect(try await write == .applied("1:a".bytes))
        #expect(executor.jobs.withLock { $0 } == 0, "the apply loop ran on the read executor")
        async let read = machine.read("q".bytes)
        try await log.answerReadIndex(.success(1))
        #expect(try await read == .applied("1".bytes))
        #expect(executor.jobs.withLock { $0 } > 0, "the read round did not run on the read executor")
    }
}
