public import RPCCore
import Synchronization

/// Serves `skv.mapreduce.Coordinator` for one job: a thin driver around ``TaskScheduler``.
///
/// Each RPC locks the scheduler, reads the injected clock once, applies one event, and turns
/// the scheduler's answer into a reply; no logic lives here beyond that translation. Safe to
/// call from any number of concurrent handler tasks. The process that owns it polls
/// ``isDone`` (the lab's `Done()`) to decide when to exit.
public final class CoordinatorService: CoordinatorServiceProtocol {
    private let scheduler: Mutex<TaskScheduler>
    private let now: @Sendable () -> ContinuousClock.Instant

    /// - Parameters:
    ///   - configuration: the job (input files, reduce count, re-issue timeout).
    ///   - now: the time source; production uses the continuous clock, tests a fake one.
    public init(
        configuration: TaskScheduler.Configuration,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.scheduler = Mutex(TaskScheduler(configuration: configuration))
        self.now = now
    }

    /// `true` once every reduce task has reported completion.
    public var isDone: Bool { scheduler.withLock { $0.isDone } }

    public func requestTask(
        request: ServerRequest<TaskRequest>, context: ServerContext
    ) async throws -> ServerResponse<TaskAssignment> {
        let instant = now()
        let (assignment, mapCount, reduceCount) = scheduler.withLock { scheduler in
            (scheduler.assignTask(now: instant), scheduler.mapCount, scheduler.reduceCount)
        }
        var reply = TaskAssignment(mapCount: UInt32(mapCount), reduceCount: UInt32(reduceCount))
        switch assignment {
        case .map(let number, let inputFile, let attempt):
            reply.kind = .map
            reply.taskNumber = UInt32(number)
            reply.inputFile = inputFile
            reply.attempt = UInt32(attempt)
        case .reduce(let number, let attempt):
            reply.kind = .reduce
            reply.taskNumber = UInt32(number)
            reply.attempt = UInt32(attempt)
        case .wait:
            reply.kind = .wait
        case .exit:
            reply.kind = .exit
        }
        return ServerResponse(message: reply)
    }

    public func reportTask(
        request: ServerRequest<TaskReport>, context: ServerContext
    ) async throws -> ServerResponse<TaskReportReply> {
        let report = request.message
        let type: TaskScheduler.TaskType
        switch report.kind {
        case .map: type = .map
        case .reduce: type = .reduce
        default: throw RPCError(code: .invalidArgument, message: "cannot report a task of kind \(report.kind)")
        }
        let outcome = scheduler.withLock {
            $0.completeTask(type, number: Int(report.taskNumber), attempt: Int(report.attempt))
        }
        switch outcome {
        case .accepted: return ServerResponse(message: TaskReportReply(accepted: true))
        case .alreadyCompleted: return ServerResponse(message: TaskReportReply(accepted: false))
        case .rejected(let reason): throw RPCError(code: .invalidArgument, message: reason)
        }
    }
}
