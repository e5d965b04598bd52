import MapReduce
import Testing

/// The coordinator's state machine, driven with made-up instants (a fake clock): assignment
/// order, waiting, the 10-s re-issue, no speculative duplicates, phase changes and reports.
@Suite struct TaskSchedulerTests {
    let t0 = ContinuousClock.now
    let files = ["a.txt", "b.txt", "c.txt"]

    func makeScheduler(reduceCount: Int = 2) -> TaskScheduler {
        TaskScheduler(configuration: .init(inputFiles: files, reduceCount: reduceCount))
    }

    @Test func mapTasksAreIssuedInInputOrderThenWorkersWait() {
        var scheduler = makeScheduler()
        #expect(scheduler.assignTask(now: t0) == .map(taskNumber: 0, inputFile: "a.txt", attempt: 1))
        #expect(scheduler.assignTask(now: t0) == .map(taskNumber: 1, inputFile: "b.txt", attempt: 1))
        #expect(scheduler.assignTask(now: t0) == .map(taskNumber: 2, inputFile: "c.txt", attempt: 1))
        #expect(scheduler.assignTask(now: t0) == .wait)
        #expect(scheduler.phase == .mapping)
    }

    @Test func reduceTasksWaitForEveryMap() {
        var scheduler = makeScheduler()
        for _ in files { _ = scheduler.assignTask(now: t0) }
        #expect(scheduler.completeTask(.map, number: 0, attempt: 1) == .accepted)
        #expect(scheduler.completeTask(.map, number: 2, attempt: 1) == .accepted)
        // Map 1 still runs: nobody may start reducing yet.
        #expect(scheduler.assignTask(now: t0 + .seconds(1)) == .wait)
        #expect(scheduler.phase == .mapping)
        #expect(scheduler.completeTask(.map, number: 1, attempt: 1) == .accepted)
        #expect(scheduler.phase == .reducing)
        #expect(scheduler.assignTask(now: t0 + .seconds(2)) == .reduce(taskNumber: 0, attempt: 1))
        #expect(scheduler.assignTask(now: t0 + .seconds(2)) == .reduce(taskNumber: 1, attempt: 1))
        #expect(scheduler.assignTask(now: t0 + .seconds(2)) == .wait)
    }

    @Test func noSpeculativeDuplicateBeforeTheTimeout() {
        var scheduler = makeScheduler()
        for _ in files { _ = scheduler.assignTask(now: t0) }
        // Just before the 10-s deadline every task is still running: only "wait".
        for step in 0..<100 {
            #expect(scheduler.assignTask(now: t0 + .milliseconds(step * 99)) == .wait)
        }
    }

    @Test func overdueTaskIsReissuedAfterTenSeconds() {
        var scheduler = makeScheduler()
        _ = scheduler.assignTask(now: t0)  // map 0
        _ = scheduler.assignTask(now: t0 + .seconds(3))  // map 1
        _ = scheduler.assignTask(now: t0 + .seconds(3))  // map 2
        #expect(scheduler.assignTask(now: t0 + .milliseconds(9_999)) == .wait)
        #expect(scheduler.assignTask(now: t0 + .seconds(10)) == .map(taskNumber: 0, inputFile: "a.txt", attempt: 2))
        // The re-issue got a fresh deadline; map 1 is not overdue until t0 + 13 s.
        #expect(scheduler.assignTask(now: t0 + .seconds(12)) == .wait)
        #expect(scheduler.assignTask(now: t0 + .seconds(13)) == .map(taskNumber: 1, inputFile: "b.txt", attempt: 2))
        #expect(scheduler.assignTask(now: t0 + .seconds(13)) == .map(taskNumber: 2, inputFile: "c.txt", attempt: 2))
        #expect(scheduler.assignTask(now: t0 + .seconds(19)) == .wait)
        #expect(scheduler.assignTask(now: t0 + .seconds(20)) == .map(taskNumber: 0, inputFile: "a.txt", attempt: 3))
    }

    @Test func reduceTasksAreReissuedToo() {
        var scheduler = TaskScheduler(configuration: .init(inputFiles: ["x"], reduceCount: 1, taskTimeout: .seconds(10)))
        _ = scheduler.assignTask(now: t0)
        _ = scheduler.completeTask(.map, number: 0, attempt: 1)
        #expect(scheduler.assignTask(now: t0) == .reduce(taskNumber: 0, attempt: 1))
        #expect(scheduler.assignTask(now: t0 + .seconds(9)) == .wait)
        #expect(scheduler.assignTask(now: t0 + .seconds(10)) == .reduce(taskNumber: 0, attempt: 2))
    }

    @Test func firstCompletionWinsAndLateDuplicatesChangeNothing() {
        var scheduler = TaskScheduler(configuration: .init(inputFiles: ["x"], reduceCount: 1))
        _ = scheduler.assignTask(now: t0)
        _ = scheduler.assignTask(now: t0 + .seconds(11))  // attempt 2
        // The slow first attempt finishes first: accepted.
        #expect(scheduler.completeTask(.map, number: 0, attempt: 1) == .accepted)
        #expect(scheduler.completeTask(.map, number: 0, attempt: 2) == .alreadyCompleted)
        #expect(scheduler.phase == .reducing)
    }

    @Test func reportsForUnknownOrUnissuedTasksAreRejected() {
        var scheduler = makeScheduler()
        _ = scheduler.assignTask(now: t0)  // map 0, attempt 1
        #expect(scheduler.completeTask(.map, number: 7, attempt: 1) != .accepted)
        #expect(scheduler.completeTask(.map, number: 1, attempt: 1) != .accepted)  // never issued
        #expect(scheduler.completeTask(.map, number: 0, attempt: 2) != .accepted)  // attempt never issued
        #expect(scheduler.completeTask(.reduce, number: 0, attempt: 1) != .accepted)
        #expect(scheduler.mapTasks[0] != .completed)
    }

    @Test func doneOnlyWhenEveryReduceHasFinishedThenEveryoneExits() {
        var scheduler = makeScheduler(reduceCount: 3)
        for _ in files { _ = scheduler.assignTask(now: t0) }
        for number in files.indices { _ = scheduler.completeTask(.map, number: number, attempt: 1) }
        for _ in 0..<3 { _ = scheduler.assignTask(now: t0) }
        #expect(scheduler.completeTask(.reduce, number: 0, attempt: 1) == .accepted)
        #expect(scheduler.completeTask(.reduce, number: 2, attempt: 1) == .accepted)
        #expect(!scheduler.isDone)
        #expect(scheduler.assignTask(now: t0) == .wait)
        #expect(scheduler.completeTask(.reduce, number: 1, attempt: 1) == .accepted)
        #expect(scheduler.isDone)
        #expect(scheduler.assignTask(now: t0) == .exit)
        #expect(scheduler.assignTask(now: t0 + .seconds(60)) == .exit)
        #expect(scheduler.completeTask(.map, number: 0, attempt: 1) == .alreadyCompleted)
    }

    @Test func eachMapRunsExactlyOnceWithoutFailures() {
        // The job-count property: with prompt completions, 8 files give exactly 8 map issues.
        var scheduler = TaskScheduler(configuration: .init(inputFiles: (0..<8).map { "f\($0)" }, reduceCount: 10))
        var mapIssues = 0
        var clock = t0
        while !scheduler.isDone {
            clock += .milliseconds(500)
            switch scheduler.assignTask(now: clock) {
            case .map(let number, _, let attempt):
                mapIssues += 1
                _ = scheduler.completeTask(.map, number: number, attempt: attempt)
            case .reduce(let number, let attempt):
                _ = scheduler.completeTask(.reduce, number: number, attempt: attempt)
            case .wait, .exit:
                break
            }
        }
        #expect(mapIssues == 8)
    }
}
