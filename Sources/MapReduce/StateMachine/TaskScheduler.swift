/// The coordinator's task bookkeeping for one MapReduce job: a pure, synchronous state
/// machine. It owns no clock, thread, socket or file; every event carries the current time
/// (`now`), so tests drive it with made-up instants.
///
/// Job phases, in order (never backwards):
///
/// ```
/// mapping ──(all map tasks completed)──▶ reducing ──(all reduce tasks completed)──▶ done
/// ```
///
/// Each task (one map task per input file, ``Configuration/reduceCount`` reduce tasks) is
/// `idle` (never issued), `running(attempt, deadline)` or `completed`:
///
/// * ``assignTask(now:)`` issues, in the current phase, the lowest-numbered idle task; if none,
///   the lowest-numbered running task whose deadline has passed (a re-issue, attempt + 1, new
///   deadline `now + taskTimeout`); otherwise answers ``Assignment/wait``. A running task is
///   never issued again before its deadline (no speculative duplicates). Reduce tasks are
///   issued only in `reducing`; in `done` every request is answered ``Assignment/exit``.
/// * ``completeTask(_:number:attempt:)`` marks a running task completed, whichever of its
///   attempts reports first; a report for a task already completed (a late duplicate, or a map
///   report during `reducing`) is ``CompletionOutcome/alreadyCompleted`` and changes nothing.
///   A report for a task that does not exist or was never issued is a peer protocol
///   violation: ``CompletionOutcome/rejected`` (the caller answers `INVALID_ARGUMENT`).
///
/// Not thread-safe: the owner (``CoordinatorService``) serialises access.
public struct TaskScheduler: Sendable {
    /// Validated job parameters.
    public struct Configuration: Sendable, Hashable {
        /// One map task per file, numbered in this order.
        public var inputFiles: [String]
        /// Number of reduce tasks (`nReduce`); must be positive.
        public var reduceCount: Int
        /// How long a task may run before it is re-issued to another worker.
        public var taskTimeout: Duration

        /// The lab's re-issue timeout.
        public static let defaultTaskTimeout: Duration = .seconds(10)

        public init(inputFiles: [String], reduceCount: Int, taskTimeout: Duration = defaultTaskTimeout) {
            precondition(reduceCount > 0, "reduceCount must be positive, got \(reduceCount)")
            precondition(taskTimeout > .zero, "taskTimeout must be positive, got \(taskTimeout)")
            precondition(inputFiles.count <= Int(UInt32.max), "too many input files: \(inputFiles.count)")
            self.inputFiles = inputFiles
            self.reduceCount = reduceCount
            self.taskTimeout = taskTimeout
        }
    }

    /// The phase of the whole job.
    public enum Phase: Hashable, Sendable {
        case mapping
        case reducing
        case done
    }

    /// The state of one task. `attempt` counts issues (1 = first issue).
    public enum TaskState: Hashable, Sendable {
        case idle
        case running(attempt: Int, deadline: ContinuousClock.Instant)
        case completed
    }

    /// What ``assignTask(now:)`` tells the asking worker.
    public enum Assignment: Hashable, Sendable {
        case map(taskNumber: Int, inputFile: String, attempt: Int)
        case reduce(taskNumber: Int, attempt: Int)
        /// Every task of the current phase is running and none is overdue.
        case wait
        /// The job is done.
        case exit
    }

    /// Which kind of task a report is about.
    public enum TaskType: Hashable, Sendable {
        case map
        case reduce
    }

    /// The result of ``completeTask(_:number:attempt:)``.
    public enum CompletionOutcome: Hashable, Sendable {
        /// The task is now completed (and the phase may have advanced).
        case accepted
        /// Some attempt had already completed it; nothing changed.
        case alreadyCompleted
        /// The report names a task that does not exist or was never issued.
        case rejected(reason: String)
    }

    public let configuration: Configuration
    public private(set) var phase: Phase
    public private(set) var mapTasks: [TaskState]
    public private(set) var reduceTasks: [TaskState]

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.mapTasks = Array(repeating: .idle, count: configuration.inputFiles.count)
        self.reduceTasks = Array(repeating: .idle, count: configuration.reduceCount)
        // A job without input files has nothing to map: its reduce tasks read no buckets.
        self.phase = configuration.inputFiles.isEmpty ? .reducing : .mapping
    }

    /// `true` once every reduce task has completed; never becomes `false` again.
    public var isDone: Bool { phase == .done }

    public var mapCount: Int { mapTasks.count }
    public var reduceCount: Int { reduceTasks.count }

    /// Picks the next task for a worker asking at `now` (see the type's contract).
    public mutating func assignTask(now: ContinuousClock.Instant) -> Assignment {
        switch phase {
        case .mapping:
            guard let (number, attempt) = Self.issue(from: &mapTasks, now: now, timeout: configuration.taskTimeout) else {
                return .wait
            }
            return .map(taskNumber: number, inputFile: configuration.inputFiles[number], attempt: attempt)
        case .reducing:
            guard let (number, attempt) = Self.issue(from: &reduceTasks, now: now, timeout: configuration.taskTimeout) else {
                return .wait
            }
            return .reduce(taskNumber: number, attempt: attempt)
        case .done:
            return .exit
        }
    }

    /// Records that some attempt of a task finished and its output files are in place.
    public mutating func completeTask(_ type: TaskType, number: Int, attempt: Int) -> CompletionOutcome {
        let outcome: CompletionOutcome
        switch type {
        case .map: outcome = Self.complete(in: &mapTasks, number: number, attempt: attempt, type: type)
        case .reduce: outcome = Self.complete(in: &reduceTasks, number: number, attempt: attempt, type: type)
        }
        if outcome == .accepted { advancePhase() }
        return outcome
    }

    private mutating func advancePhase() {
        if phase == .mapping, mapTasks.allSatisfy({ $0 == .completed }) { phase = .reducing }
        if phase == .reducing, reduceTasks.allSatisfy({ $0 == .completed }) { phase = .done }
    }

    /// Issues the lowest-numbered idle task, else the lowest-numbered overdue one.
    private static func issue(
        from tasks: inout [TaskState], now: ContinuousClock.Instant, timeout: Duration
    ) -> (number: Int, attempt: Int)? {
        let deadline = now + timeout
        if let number = tasks.firstIndex(of: .idle) {
            tasks[number] = .running(attempt: 1, deadline: deadline)
            return (number, 1)
        }
        for number in tasks.indices {
            if case .running(let attempt, let overdue) = tasks[number], overdue <= now {
                tasks[number] = .running(attempt: attempt + 1, deadline: deadline)
                return (number, attempt + 1)
            }
        }
        return nil
    }

    private static func complete(in tasks: inout [TaskState], number: Int, attempt: Int, type: TaskType) -> CompletionOutcome {
        guard tasks.indices.contains(number) else {
            return .rejected(reason: "there is no \(type) task \(number) (the job has \(tasks.count))")
        }
        switch tasks[number] {
        case .idle:
            return .rejected(reason: "\(type) task \(number) was never issued")
        case .running(let issued, _):
            guard (1...issued).contains(attempt) else {
                return .rejected(reason: "\(type) task \(number) attempt \(attempt) was never issued (latest is \(issued))")
            }
            tasks[number] = .completed
            return .accepted
        case .completed:
            return .alreadyCompleted
        }
    }
}
