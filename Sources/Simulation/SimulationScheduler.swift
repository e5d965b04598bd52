#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A deterministic single-threaded executor with a virtual clock: the deterministic mode of
/// the simulation (architecture principle 4; NIO's manual task executor technique).
///
/// Model: one dedicated thread runs the enqueued jobs one at a time, in FIFO order, and each
/// job costs ``jobCost`` of virtual time (a fixed, deterministic stand-in for CPU time). A
/// sleeper whose deadline has come is woken before the next job runs (its task joins the back
/// of the queue); when the queue is empty, the clock jumps to the earliest pending sleeper.
/// Sleepers due at the same instant wake in the order they went to sleep. A run is therefore
/// a pure function of its inputs (seeds) as long as every task of the run executes here.
///
/// Why jobs cost time: with free CPU, a loop that polls without sleeping (the lab's churn
/// clients retry at once when their index was already committed by someone else) spins at
/// one virtual instant forever, since nothing that would end it (a sleeper) can run. Real
/// time always advances under such a loop; a per-job cost restores that, deterministically.
/// A cost of zero gives the pure model where CPU work takes no virtual time.
///
/// How tasks get here (checked on Swift 6.3.1, see `Tests/SimulationTests/SimulationSchedulerTests`):
/// ``run(drainTimeLimit:_:)`` gives the calling task this executor as its *task executor preference*
/// (SE-0417). Structured child tasks (task groups, `async let`) inherit the preference;
/// default actors called from such a task run their code on this executor's thread;
/// continuations resumed from anywhere resume here. Unstructured tasks do **not** inherit it:
/// code that spawns `Task {}` must create it with `Task(executorPreference:)` and an injected
/// executor (``SimulatedNetwork``, `RaftPeer.Configuration.taskExecutor`, the lab harness).
/// An escaped task would run on the global pool in real time and break determinism; sleeping
/// on ``clock`` from another thread is therefore a programmer error and traps.
///
/// Sleeps are cancellable: cancelling a sleeping task wakes it at once with
/// `CancellationError` (without advancing time). When ``run(drainTimeLimit:_:)``'s body returns (or throws),
/// the scheduler drains, starting from that point of the run (the body's last job): it fires
/// no more timers, keeps running jobs, wakes every remaining sleeper with `CancellationError`
/// (in the order they went to sleep), refuses new sleeps with `CancellationError`, and once
/// no job is left stops its thread; jobs enqueued after that go to the global concurrent
/// executor. ``run(drainTimeLimit:_:)`` returns only then, so the run's teardown is part of the run, and
/// ``statistics`` read after it do not depend on how fast anything else was.
///
/// Thread safety: all state is under one pthread mutex (with a condition variable the idle
/// thread waits on); continuations and jobs are resumed and run outside it.
public final class SimulationScheduler: TaskExecutor, @unchecked Sendable {
    // @unchecked Sendable: every stored property below is either immutable or accessed only
    // with `mutex` held (see `withLock`).

    private struct Timer: Comparable {
        var deadline: Duration
        var sequence: UInt64
        static func < (a: Timer, b: Timer) -> Bool {
            (a.deadline, a.sequence) < (b.deadline, b.sequence)
        }
    }

    private enum Phase {
        case idle, running, draining, stopped
    }

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var jobs: [UnownedJob] = []
    private var head = 0
    private var now: Duration = .zero
    /// A min-heap of timers; a timer whose sequence is no longer in `sleepers` was cancelled.
    private var timers: [Timer] = []
    private var sleepers: [UInt64: UnsafeContinuation<Void, any Error>] = [:]
    private var nextSequence: UInt64 = 0
    private var phase = Phase.idle
    private var thread: pthread_t?
    private var jobsRun = 0
    private var timersFired = 0
    /// Fulfilled by the thread once it has stopped: the run and its teardown are over.
    private let stopped = OneShot<Void>()
    /// Virtual time each job costs.
    public let jobCost: Duration

    /// A scheduler whose jobs each cost `jobCost` of virtual time (see the type's discussion).
    public init(jobCost: Duration = .microseconds(10)) {
        self.jobCost = jobCost
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// The virtual clock of this scheduler.
    public var clock: SimulationClock { SimulationClock(scheduler: self) }

    /// Virtual time elapsed since the scheduler was created.
    public var elapsed: Duration { withLock { now } }

    /// Statistics of the run so far: jobs executed, timers fired, virtual time. Equal numbers
    /// for two runs of the same seed are the determinism check; read them after ``run(drainTimeLimit:_:)``
    /// returned, when the scheduler has stopped and they are final (the teardown included).
    public var statistics: Statistics {
        withLock { Statistics(jobs: jobsRun, timers: timersFired, elapsed: now) }
    }

    public struct Statistics: Sendable, Equatable, CustomStringConvertible {
        public var jobs: Int
        public var timers: Int
        public var elapsed: Duration
        public var description: String { "jobs=\(jobs) timers=\(timers) virtual=\(elapsed)" }
    }

    // MARK: Running

    /// Runs `body` on this scheduler (as the calling task's executor preference), then drains
    /// and stops the scheduler, and returns `body`'s result once the scheduler has stopped
    /// (see the type's discussion). A scheduler runs one body in its life.
    ///
    /// - Throws: what `body` threw; ``DrainTimeout`` if the drain did not end within
    ///   `drainTimeLimit` of real time (some task keeps running jobs without sleeping);
    ///   `CancellationError` if the calling task was cancelled while the scheduler drained.
    public func run<Result: Sendable>(
        drainTimeLimit: Duration = .seconds(60), _ body: () async throws -> Result
    ) async throws -> Result {
        startThread()
        let result: Swift.Result<Result, any Error> = await withTaskExecutorPreference(self) {
            // On the scheduler's thread, inside the body's last job: the drain starts at a
            // fixed point of the run, not whenever the caller's task gets to run next.
            defer { requestDrain() }
            do {
                return .success(try await body())
            } catch {
                return .failure(error)
            }
        }
        try await waitUntilStopped(within: drainTimeLimit)
        return try result.get()
    }

    /// The drain of a run did not end in time (see ``run(drainTimeLimit:_:)``).
    public struct DrainTimeout: Error, CustomStringConvertible {
        public var limit: Duration
        public var statistics: Statistics
        public var description: String {
            "SimulationScheduler: the run's drain did not end within \(limit) of real time (\(statistics))"
        }
    }

    /// Waits (off the scheduler's thread) until the thread has stopped, at most `limit`.
    private func waitUntilStopped(within limit: Duration) async throws {
        let stopped = self.stopped
        let done: Bool? = await withTaskGroup(of: Bool?.self) { group in
            group.addTask { await stopped.wait() != nil ? true : nil }
            group.addTask {
                // Real time: the scheduler's thread is stopping, its virtual clock no longer runs.
                (try? await Task.sleep(for: limit)) == nil ? nil : false
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        switch done {
        case true?: return
        case false?: throw DrainTimeout(limit: limit, statistics: statistics)
        case nil: throw CancellationError()
        }
    }

    private func startThread() {
        withLock {
            precondition(phase == .idle, "SimulationScheduler.run may be called once per scheduler")
            phase = .running
        }
        let retained = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(
            &thread, nil,
            { argument in
                // Consumes the +1 from passRetained: the thread keeps the scheduler alive.
                let scheduler = Unmanaged<SimulationScheduler>.fromOpaque(argument!).takeRetainedValue()
                scheduler.loop()
                return nil
            }, retained)
        precondition(result == 0, "pthread_create failed: \(result)")
        pthread_detach(thread)
        withLock { self.thread = thread }
    }

    private func requestDrain() {
        withLock {
            if phase == .running { phase = .draining }
            pthread_cond_signal(condition)
        }
    }

    private enum Step {
        case job(UnownedJob)
        case wake(UnsafeContinuation<Void, any Error>)
        case cancel([UnsafeContinuation<Void, any Error>])
        case stop
    }

    /// The thread's loop: run a job, else fire the earliest timer, else wait (or stop).
    private func loop() {
        withLock { thread = pthread_self() }
        while true {
            let step: Step = withLock {
                while true {
                    if phase != .draining, let continuation = popTimer(dueBy: now) {
                        timersFired += 1
                        return .wake(continuation)
                    }
                    if let job = popJob() {
                        now += jobCost
                        return .job(job)
                    }
                    if phase == .draining {
                        if !sleepers.isEmpty {
                            let all = sleepers.sorted { $0.key < $1.key }.map(\.value)
                            sleepers.removeAll()
                            timers.removeAll()
                            return .cancel(all)
                        }
                        phase = .stopped
                        return .stop
                    }
                    if let (deadline, continuation) = popTimer() {
                        now = max(now, deadline)
                        timersFired += 1
                        return .wake(continuation)
                    }
                    pthread_cond_wait(condition, mutex)
                }
            }
            switch step {
            case .job(let job):
                job.runSynchronously(on: asUnownedTaskExecutor())
            case .wake(let continuation):
                continuation.resume()
            case .cancel(let continuations):
                for continuation in continuations { continuation.resume(throwing: CancellationError()) }
            case .stop:
                stopped.fulfil(())
                return
            }
        }
    }

    /// Must hold the lock.
    private func popJob() -> UnownedJob? {
        guard head < jobs.count else { return nil }
        let job = jobs[head]
        head += 1
        jobsRun += 1
        if head == jobs.count {
            jobs.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 4096 && head * 2 >= jobs.count {
            jobs.removeFirst(head)
            head = 0
        }
        return job
    }

    /// Must hold the lock. The earliest live timer if it is due by `instant`, removed.
    private func popTimer(dueBy instant: Duration) -> UnsafeContinuation<Void, any Error>? {
        while let timer = timers.first, timer.deadline <= instant {
            removeFirstTimer()
            if let continuation = sleepers.removeValue(forKey: timer.sequence) { return continuation }
        }
        return nil
    }

    /// Must hold the lock. The earliest live timer, removed; skips cancelled ones without
    /// advancing time.
    private func popTimer() -> (Duration, UnsafeContinuation<Void, any Error>)? {
        while let timer = timers.first {
            removeFirstTimer()
            if let continuation = sleepers.removeValue(forKey: timer.sequence) {
                return (timer.deadline, continuation)
            }
        }
        return nil
    }

    // MARK: TaskExecutor

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let accepted = withLock {
            guard phase != .stopped else { return false }
            jobs.append(job)
            pthread_cond_signal(condition)
            return true
        }
        if !accepted {
            // The run is over: a late job (a leftover task of the finished run) runs on the
            // global pool, where nothing depends on its timing any more.
            globalConcurrentExecutor.enqueue(job)
        }
    }

    // MARK: Sleeping

    /// Whether the caller runs on the scheduler's thread.
    var isOnSchedulerThread: Bool {
        let thread = withLock { self.thread }
        guard let thread else { return false }
        return pthread_equal(thread, pthread_self()) != 0
    }

    /// Suspends the calling task until virtual time reaches `deadline`; throws
    /// `CancellationError` if the task is (or becomes) cancelled first, or the run is over.
    func sleep(until deadline: Duration) async throws {
        precondition(
            isOnSchedulerThread,
            "SimulationScheduler: a task slept on the virtual clock from outside the scheduler's thread; it escaped the simulation (create unstructured tasks with Task(executorPreference:))"
        )
        try Task.checkCancellation()
        let sequence: UInt64 = withLock {
            nextSequence += 1
            return nextSequence
        }
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                let refused: Bool = withLock {
                    // The cancelled flag is set before cancellation handlers run, so a
                    // cancellation racing with this registration is seen here or finds us.
                    if Task.isCancelled || phase != .running { return true }
                    sleepers[sequence] = continuation
                    insertTimer(Timer(deadline: max(deadline, now), sequence: sequence))
                    return false
                }
                if refused { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let continuation = withLock { sleepers.removeValue(forKey: sequence) }
            continuation?.resume(throwing: CancellationError())
        }
    }

    /// Charges `duration` of virtual time to the job running now, on top of ``jobCost``:
    /// models work whose cost grows with its size (e.g. writing `n` bytes to a disk), so that
    /// a simulated system slows down under such work as a real one does. Call it only from
    /// the scheduler's thread (from the run's own code).
    public func charge(_ duration: Duration) {
        precondition(isOnSchedulerThread, "SimulationScheduler.charge called off the scheduler's thread")
        precondition(duration >= .zero, "SimulationScheduler.charge needs a non-negative duration")
        withLock { now += duration }
    }

    /// Suspends the calling task for `duration` of virtual time.
    func sleep(for duration: Duration) async throws {
        let deadline = withLock { now } + duration
        try await sleep(until: deadline)
    }

    // MARK: Helpers

    private func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    private func insertTimer(_ timer: Timer) {
        timers.append(timer)
        var child = timers.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard timers[child] < timers[parent] else { break }
            timers.swapAt(child, parent)
            child = parent
        }
    }

    private func removeFirstTimer() {
        let last = timers.removeLast()
        guard !timers.isEmpty else { return }
        timers[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < timers.count && timers[left] < timers[smallest] { smallest = left }
            if right < timers.count && timers[right] < timers[smallest] { smallest = right }
            guard smallest != parent else { return }
            timers.swapAt(parent, smallest)
            parent = smallest
        }
    }
}

/// The virtual clock of a ``SimulationScheduler``: `now` is the virtual time since the
/// scheduler was created; `sleep` suspends until the scheduler's time reaches the deadline.
/// Sleep only from tasks running on the scheduler (see ``SimulationScheduler``).
public struct SimulationClock: Clock {
    public struct Instant: InstantProtocol {
        /// Virtual time since the scheduler was created.
        public var offset: Duration

        public init(offset: Duration) {
            self.offset = offset
        }

        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
    }

    let scheduler: SimulationScheduler

    public var now: Instant { Instant(offset: scheduler.elapsed) }
    public var minimumResolution: Duration { .nanoseconds(1) }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try await scheduler.sleep(until: deadline.offset)
    }
}
