import RPCCore

/// The worker loop: ask the coordinator for a task, run it, report it, until told to exit.
///
/// ## Contract
/// * ``run()`` returns ``Exit/jobDone`` when the coordinator answers "exit", and
///   ``Exit/coordinatorGone`` when a coordinator that answered before can no longer be
///   reached within ``Configuration/unreachableBudget`` (the lab's "coordinator gone, so the job
///   is done" path). If the coordinator was never reached within that budget it throws
///   ``MapReduceError/Code/coordinatorUnreachable``.
/// * Task bodies run one at a time on a dedicated thread (see ``MapReduceApp``); every output
///   file is written atomically, so a worker killed at any point leaves no partial
///   `mr-out-*` or `mr-X-Y` file behind (only `mr-tmp-*` leftovers).
/// * A task failure (unreadable input, malformed intermediate file) is thrown: the worker
///   stops, and the coordinator re-issues the task after its timeout.
public struct Worker: Sendable {
    /// Timing limits of the loop.
    public struct Configuration: Sendable, Hashable {
        /// Directory holding intermediate and output files.
        public var directory: String
        /// Pause before asking again after a "wait" answer.
        public var waitInterval: Duration
        /// Pause between attempts to reach an unresponsive coordinator.
        public var retryInterval: Duration
        /// How long the coordinator may stay unreachable before the worker gives up.
        public var unreachableBudget: Duration
        /// Deadline of each RPC to the coordinator.
        public var callTimeout: Duration

        public init(
            directory: String = ".",
            waitInterval: Duration = .milliseconds(50),
            retryInterval: Duration = .milliseconds(250),
            unreachableBudget: Duration = .seconds(3),
            callTimeout: Duration = .seconds(5)
        ) {
            precondition(waitInterval > .zero && retryInterval > .zero, "intervals must be positive")
            precondition(unreachableBudget >= .zero && callTimeout > .zero, "invalid budget or timeout")
            self.directory = directory
            self.waitInterval = waitInterval
            self.retryInterval = retryInterval
            self.unreachableBudget = unreachableBudget
            self.callTimeout = callTimeout
        }
    }

    /// Why ``run()`` returned.
    public enum Exit: Hashable, Sendable {
        /// The coordinator said the job is done.
        case jobDone
        /// The coordinator, reached before, stopped answering: assume the job is done.
        case coordinatorGone
    }

    public let coordinator: CoordinatorClient
    public let app: any MapReduceApp
    public let configuration: Configuration
    public let workerID: String
    private let taskThread: TaskThread

    public init(coordinator: CoordinatorClient, app: any MapReduceApp, workerID: String, configuration: Configuration = .init()) {
        self.coordinator = coordinator
        self.app = app
        self.workerID = workerID
        self.configuration = configuration
        self.taskThread = TaskThread(label: "mapreduce.worker.\(workerID)")
    }

    public func run() async throws(MapReduceError) -> Exit {
        var reachedCoordinator = false
        while true {
            let assignment: TaskAssignment
            switch await call({ try await coordinator.requestTask(ClientRequest(message: TaskRequest(workerID: workerID)), options: $0).message }) {
            case .success(let answer):
                assignment = answer
                reachedCoordinator = true
            case .failure(let error):
                if reachedCoordinator, error.code == .coordinatorUnreachable { return .coordinatorGone }
                throw error
            }
            switch assignment.kind {
            case .map, .reduce:
                try await execute(assignment)
                let report = TaskReport(kind: assignment.kind, taskNumber: assignment.taskNumber, attempt: assignment.attempt)
                switch await call({ try await coordinator.reportTask(ClientRequest(message: report), options: $0).message }) {
                case .success:
                    break
                case .failure(let error):
                    if error.code == .coordinatorUnreachable { return .coordinatorGone }
                    throw error
                }
            case .wait:
                try? await Task.sleep(for: configuration.waitInterval)
            case .exit:
                return .jobDone
            default:
                throw MapReduceError(code: .coordinatorFailed, message: "the coordinator sent an unknown task kind \(assignment.kind)")
            }
        }
    }

    private func execute(_ assignment: TaskAssignment) async throws(MapReduceError) {
        let app = self.app
        let directory = configuration.directory
        let number = Int(assignment.taskNumber)
        if assignment.kind == .map {
            let reduceCount = Int(assignment.reduceCount)
            guard reduceCount > 0 else {
                throw MapReduceError(code: .coordinatorFailed, message: "the coordinator sent a map task with 0 reduce tasks")
            }
            try await taskThread.run { () throws(MapReduceError) in
                try TaskRunner.runMap(
                    app: app, taskNumber: number, inputFile: assignment.inputFile, reduceCount: reduceCount, directory: directory)
            }
        } else {
            let mapCount = Int(assignment.mapCount)
            try await taskThread.run { () throws(MapReduceError) in
                try TaskRunner.runReduce(app: app, taskNumber: number, mapCount: mapCount, directory: directory)
            }
        }
    }

    /// Makes one RPC, retrying `UNAVAILABLE` and `DEADLINE_EXCEEDED` until the budget is spent.
    private func call<Answer: Sendable>(
        _ body: (CallOptions) async throws -> Answer
    ) async -> Result<Answer, MapReduceError> {
        let clock = ContinuousClock()
        let giveUp = clock.now + configuration.unreachableBudget
        let options = CallOptions(timeout: configuration.callTimeout)
        while true {
            do {
                return .success(try await body(options))
            } catch {
                let rpcError = RPCError(wrapping: error)
                guard rpcError.code == .unavailable || rpcError.code == .deadlineExceeded else {
                    return .failure(MapReduceError(code: .coordinatorFailed, message: "the coordinator failed the call: \(rpcError)"))
                }
                guard clock.now < giveUp else {
                    return .failure(MapReduceError(code: .coordinatorUnreachable, message: "cannot reach the coordinator: \(rpcError)"))
                }
                try? await Task.sleep(for: configuration.retryInterval)
            }
        }
    }
}
