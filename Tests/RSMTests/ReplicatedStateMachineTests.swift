import Raft
import RaftRuntime
import RPCProtobuf
import Simulation
import Testing

@testable import RSM

/// The replicated state machine against a scripted log: submissions wait for their index,
/// sessions de-duplicate writes, leadership changes fail waiting submissions fast, snapshots
/// are taken, installed and restored.
@Suite struct ReplicatedStateMachineTests {
    static func envelope(_ text: String, client: UInt64 = 0, sequence: UInt64 = 0) -> [UInt8] {
        try! ProtobufSerializer<Envelope>().serialize(Envelope(clientID: client, sequence: sequence, command: text.bytes))
    }

    static func make(
        _ log: ScriptedLog, restoredSnapshot: RestoredSnapshot? = nil,
        configure: (inout ReplicatedStateMachine.Configuration) -> Void = { _ in }
    ) async throws -> ReplicatedStateMachine {
        var configuration = ReplicatedStateMachine.Configuration()
        configuration.leadershipCheckInterval = .milliseconds(5)
        // Bounds ScriptedLog's ReadIndex calls too: a test that fails early leaves no read
        // waiting forever (an `async let` would then hang the test at scope exit).
        configuration.submitTimeout = TestTimeout.limit
        configure(&configuration)
        let machine = try ReplicatedStateMachine(
            log: log, stateMachine: RecordingMachine(), restoredSnapshot: restoredSnapshot, configuration: configuration)
        await machine.start()
        return machine
    }

    /// Waits until the machine handed the log a snapshot.
    static func waitForSnapshot(_ log: ScriptedLog, count: Int = 1) async throws {
        let deadline = ContinuousClock.now.advanced(by: TestTimeout.limit)
        while await log.snapshots.count < count {
            guard ContinuousClock.now < deadline else { throw TestTimeout(what: "a snapshot") }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Waits until the machine applied `index`.
    static func waitApplied(_ machine: ReplicatedStateMachine, _ index: UInt64) async throws {
        let deadline = ContinuousClock.now.advanced(by: TestTimeout.limit)
        while await machine.status().appliedIndex < index {
            guard ContinuousClock.now < deadline else { throw TestTimeout(what: "index \(index) to apply") }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    @Test func submitWaitsForItsIndexAndReturnsTheReply() async throws {
        let log = ScriptedLog()
        let machine = try await Self.make(log)
        async let outcome = machine.submit("a".bytes, session: nil)
        try await log.waitForProposals(1)
        await log.commit(1)
        #expect(try await outcome == .applied("1:a".bytes))
        #expect(await log.proposals.first?.data == Self.envelope("a"))
    }

    @Test func anEntryThatAppliesBeforeProposeReturnsStillAnswers() async throws {
        let log = ScriptedLog()
        await log.setCommitsOnPropose(true)
        let machine = try await Self.make(log)
        for i in 1...20 {
            #expect(try await machine.submit("c\(i)".bytes, session: nil) == .applied("\(i):c\(i)".bytes))
        }
    }

    @Test func aFollowerAnswersWrongLeaderWithTheHint() async throws {
        let log = ScriptedLog()
        await log.setLeadership(term: 3, isLeader: false, hint: 2)
        let machine = try await Self.make(log)
        #expect(try await machine.submit("a".bytes, session: nil) == .wrongLeader(leaderHint: 2))
        #expect(try await machine.read("q".bytes) == .wrongLeader(leaderHint: 2))
        #expect(await log.proposals.isEmpty)
    }

    @Test func aTermChangeFailsWaitingSubmissionsFast() async throws {
        let log = ScriptedLog()
        let machine = try await Self.make(log) { $0.submitTimeout = .seconds(30) }
        async let outcome = machine.submit("a".bytes, session: nil)
        try await log.waitForProposals(1)
        // Re-elected in a newer term: the entry of term 1 may have been overwritten.
        await log.setLeadership(term: 2, isLeader: true)
        let start = ContinuousClock.now
        #expect(try await outcome == .wrongLeader(leaderHint: nil))
        // Without the term check it would wait out the 30-s submit timeout; 10 s tells the two
        // apart however busy the machine is.
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    @Test func losingLeadershipFailsWaitingSubmissionsFast() async throws {
        let log = ScriptedLog()
        let machine = try await Self.make(log) { $0.submitTimeout = .seconds(30) }
        async let outcome = machine.submit("a".bytes, session: nil)
        try await log.waitForProposals(1)
        await log.setLeadership(term: 1, isLeader: false, hint: 3)
        #expect(try await outcome == .wrongLeader(leaderHint: 3))
    }

    @Test func aDifferentEntryAtTheIndexFailsTheSubmission() async throws {
        let log = ScriptedLog()
        let machine = try await Self.make(log) { $0.submitTimeout = .seconds(30) }
        async let outcome = machine.submit("mine".bytes, session: nil)
        try await log.waitForProposals(1)
        await log.deliver(.command(index: 1, term: 2, data: Self.envelope("theirs")))
        #expect(try await outcome == .wrongLeader(leaderHint: nil))
    }

    @Test func aSkippedIndexFailsTheSubmission() async throws {
        let log = ScriptedLog()
        let machine = try await Self.make(log) { $0.submitTimeout = .seconds(30) }
        async let outcome = machine.submit("mine".bytes, session: nil)
        try await log.waitForProposals(1)
        // A new leader's no-op took index 1; the next command is at 2.
        await log.deliver(.command(index: 2, term: 2, data: Self.envelope("theirs")))
        #expect(try await outcome == .wrongLeader(leaderHint: nil))
    }

    /// A new leader's no-op (or a membership change) arrives as `.skipped`: nothing executes,
    /// but the machine has applied through it (an idle group reports applied = commit), and the
    /// proposal the no-op replaced fails at once rather than at the next command or its timeout.
    @Test func aSkippedEntryIsAppliedWithoutExecutingAndFailsTheSubmissionItReplaced() async throws {
        let log = ScriptedLog()
        let machine = try await Self.make(log) { $0.submitTimeout = .seconds(30) }
        async let replaced = machine.submit("mine".bytes, session: nil)
        try await log.waitForProposals(1)
        await log.deliver(.skipped(index: 1, term: 2))
        #expect(try await replaced == .wrongLeader(leaderHint: nil))
        #expect(await machine.status().appliedIndex == 1)
        async let next = machine.submit("b".bytes, session: nil)
        try await log.waitForProposals(2)
        await log.commit(2)
        // The machine's first command: the skipped entry executed nothing.
        #expect(try await next == .applied("1:b".bytes))
        #expect(await machine.status().appliedIndex == 2)
    }

    @Test func anUncommittedSubmissionTimesOut() async throws {
        let log = ScriptedLog()
        let machine = try await Self.make(log) { $0.submitTimeout = .milliseconds(50) }
        #expect(try await machine.submit("a".bytes, session: nil) == .timeout)
        #expect(await machine.status().pendingSubmissions == 0)
    }

    /// The deadline runs on the injected clock: an hour of virtual time passes in a moment of
    /// real time (on the wall clock the test would hit its time limit), and the submission
    /// times out exactly then (to the leadership-check interval).
    @Test func submissionDeadlinesFollowTheInjectedClock() async throws {
        let scheduler = SimulationScheduler()
        let realStart = ContinuousClock.now
        let (outcome, elapsed) = try await scheduler.run {
            let log = ScriptedLog()
            let machine = try await Self.make(log) {
                $0.submitTimeout = .seconds(3_600)
                $0.clock = scheduler.clock
                $0.taskExecutor = scheduler
            }
            let outcome = try await machine.submit("a".bytes, session: nil)
            let elapsed = scheduler.elapsed
            await machine.stop()
            return (outcome, elapsed)
        }
        #expect(outcome == .timeout)
        #expect(elapsed >= .seconds(3_600) && elapsed <= .seconds(3_600) + .milliseconds(10), "virtual time \(elapsed)")
        // Far below the hour the wall clock would take, far above a starved machine's delays.
        #expect(ContinuousClock.now - realStart < .seconds(300), "the wait took real time")
    }

    @Test func tooManyPendingSubmissionsAreRefused() async throws {
        let log = ScriptedLog()
        let machine = try await Self.make(log) {
            $0.maxPendingSubmissions = 1
            $0.submitTimeout = .seconds(30)
        }
        async let first = machine.submit("a".bytes, session: nil)
        try await log.waitForProposals(1)
        await #expect(throws: ReplicatedStateMachineError.overloaded(limit: 1)) {
            try await machine.submit("b".bytes, session: nil)
        }
        await log.commit(1)
        #expect(try await first == .applied("1:a".bytes))
    }

    @Test func stoppingFailsWaitingAndLaterSubmissions() async throws {
        let log = ScriptedLog()
        let machine = try await Self.make(log) { $0.submitTimeout = .seconds(30) }
        let waiting = Task { try await machine.submit("a".bytes, session: nil) }
        try await log.waitForProposals(1)
        await machine.stop()
        await #expect(throws: ReplicatedStateMachineError.stopped) { try await waiting.value }
        await #expect(throws: ReplicatedStateMachineError.stopped) { try await machine.submit("b".bytes, session: nil) }
    }

    @Test func theLogFinishingStopsTheMachine() async throws {
        let log = ScriptedLog()
        let machine = try await Self.make(log)
        await log.finish()
        let deadline = ContinuousClock.now.advanced(by: TestTimeout.limit)
        while await !machine.status().isStopped {
            guard ContinuousClock.now < deadline else { throw TestTimeout(what: "stop") }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    @Test func cancellingASubmissionEndsItsWait() async throws {
        let log = ScriptedLog()
        let machine = try await Self.make(log) { $0.submitTimeout = .seconds(30) }
        let waiting = Task { try await machine.submit("a".bytes, session: nil) }
        try await log.waitForProposals(1)
        waiting.cancel()
        #expect(try await waiting.value == .timeout)
    }

    // MARK: Sessions

    @Test func aRetriedWriteAppliesOnceAndGetsTheCachedReply() async throws {
        let log = ScriptedLog()
        let machine = try await Self.make(log)
        async let opened = machine.openSession(7)
        try await log.waitForProposals(1)
        await log.commit(1)
        #expect(try await opened == .applied([]))
        let session = ClientSession(clientID: 7, sequence: 1)
        async let first = machine.submit("w".bytes, session: session)
        try await log.waitForProposals(2)
        await log.commit(2)
        #expect(try await first == .applied("1:w".bytes))
        // The clerk also retried elsewhere before it saw the reply: the same write is in the
        // log twice. It must apply once.
        await log.deliver(.command(index: 3, term: 1, data: Self.envelope("w", client: 7, sequence: 1)))
        try await Self.waitApplied(machine, 3)
        // A retry after it applied is answered from the session table, without the log.
        #expect(try await machine.submit("w".bytes, session: session) == .applied("1:w".bytes))
        #expect(await log.proposals.count == 2)
        #expect(await machine.makeSnapshot() == Self.serviceSnapshot(sessions: [(7, 1, "1:w", 2)], state: "w"))
    }

    @Test func anOlderSequenceIsStale() async throws {
        let log = ScriptedLog()
        await log.setCommitsOnPropose(true)
        let machine = try await Self.make(log)
        _ = try await machine.openSession(9)
        _ = try await machine.submit("one".bytes, session: ClientSession(clientID: 9, sequence: 1))
        _ = try await machine.submit("two".bytes, session: ClientSession(clientID: 9, sequence: 2))
        await #expect(throws: ReplicatedStateMachineError.staleSequence(ClientSession(clientID: 9, sequence: 1), latest: 2)) {
            try await machine.submit("one".bytes, session: ClientSession(clientID: 9, sequence: 1))
        }
    }

    @Test func readsAreNotCachedInSessions() async throws {
        let log = ScriptedLog()
        await log.setCommitsOnPropose(true)
        let machine = try await Self.make(log) { $0.readPath = .log }
        #expect(try await machine.read("q".bytes) == .applied("1:q".bytes))
        #expect(try await machine.read("q".bytes) == .applied("2:q".bytes))
        #expect(await machine.status().sessions == 0)
    }

    // MARK: ReadIndex reads

    @Test func aReadWaitsForItsReadIndexToApplyThenQueriesWithoutALogEntry() async throws {
        let log = ScriptedLog()
        let machine = try await Self.make(log)
        async let write = machine.submit("a".bytes, session: nil)
        try await log.waitForProposals(1)
        async let read = machine.read("q".bytes)
        // The leader's read index covers the write, which has not applied yet.
        try await log.answerReadIndex(.success(1))
        try await Task.sleep(for: .milliseconds(20))
        #expect(await machine.status().pendingSubmissions == 2)
        await log.commit(1)
        #expect(try await write == .applied("1:a".bytes))
        // RecordingMachine.query answers how many commands it applied: the write is visible.
        #expect(try await read == .applied("1".bytes))
        #expect(await log.proposals.count == 1)
        #expect(await machine.status().pendingSubmissions == 0)
    }

    @Test func readsArrivingDuringARoundShareTheNextRound() async throws {
        let log = ScriptedLog()
        let machine = try await Self.make(log)
        async let first = machine.read("q1".bytes)
        try await Self.waitFor("the first round") { await log.readIndexCalls == 1 }
        async let second = machine.read("q2".bytes)
        async let third = machine.read("q3".bytes)
        try await Self.waitFor("two queued reads") { await machine.status().pendingSubmissions == 3 }
        try await log.answerReadIndex(.success(0))
        #expect(try await first == .applied("0".bytes))
        try await log.answerReadIndex(.success(0))
        #expect(try await second == .applied("0".bytes))
        #expect(try await third == .applied("0".bytes))
        #expect(await log.readIndexCalls == 2)
    }

    @Test func aFollowerAnswersReadsWithWrongLeaderAndTheHint() async throws {
        let log = ScriptedLog()
        await log.setLeadership(term: 2, isLeader: false, hint: 3)
        let machine = try await Self.make(log)
        #expect(try await machine.read("q".bytes) == .wrongLeader(leaderHint: 3))
        #expect(await log.proposals.isEmpty)
    }

    @Test(arguments: [
        (RaftPeerError.timeout, SubmitOutcome.timeout),
        (.leadershipLost, .wrongLeader(leaderHint: nil)),
        (.tooManyPendingReads(limit: 4), .timeout),
    ])
    func aFailedReadIndexRoundAnswersEveryReadInIt(error: RaftPeerError, outcome: SubmitOutcome) async throws {
        let log = ScriptedLog()
        let machine = try await Self.make(log)
        async let read = machine.read("q".bytes)
        try await log.answerReadIndex(.failure(error))
        #expect(try await read == outcome)
    }

    @Test func stoppingFailsReadsWaitingToApply() async throws {
        let log = ScriptedLog()
        let machine = try await Self.make(log)
        let read = Task { try await machine.read("q".bytes) }
        try await log.answerReadIndex(.success(5))
        try await Self.waitFor("the read to wait for index 5") { await machine.status().pendingSubmissions == 1 }
        await machine.stop()
        await #expect(throws: ReplicatedStateMachineError.stopped) { try await read.value }
    }

    @Test func anInstalledSnapshotPastTheReadIndexAnswersTheRead() async throws {
        let log = ScriptedLog()
        let machine = try await Self.make(log)
        async let read = machine.read("q".bytes)
        try await log.answerReadIndex(.success(4))
        await log.deliver(.snapshot(index: 7, term: 2, data: Self.serviceSnapshot(sessions: [], state: "x\ny")))
        #expect(try await read == .applied("2".bytes))
    }

    static func waitFor(_ what: String, _ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now.advanced(by: TestTimeout.limit)
        while await !condition() {
            guard ContinuousClock.now < deadline else { throw TestTimeout(what: what) }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    @Test func sessionsPastTheLimitAreEvictedOldestFirst() async throws {
        let log = ScriptedLog()
        await log.setCommitsOnPropose(true)
        let machine = try await Self.make(log) { $0.maxSessions = 2 }
        for client: UInt64 in 1...3 {
            #expect(try await machine.openSession(client) == .applied([]))
            _ = try await machine.submit("c\(client)".bytes, session: ClientSession(clientID: client, sequence: 1))
        }
        #expect(await machine.status().sessions == 2)
        // Client 1 (oldest) was evicted: its retry is refused, not applied a second time (the
        // state machine saw three writes); client 3's is answered from its session.
        for sequence: UInt64 in 1...2 {
            let retry = ClientSession(clientID: 1, sequence: sequence)
            #expect(try await machine.submit("c1".bytes, session: retry) == .sessionExpired)
        }
        #expect(try await machine.submit("c3".bytes, session: ClientSession(clientID: 3, sequence: 1)) == .applied("3:c3".bytes))
        #expect(await machine.makeSnapshot() == Self.serviceSnapshot(
            sessions: [(2, 1, "2:c2", 4), (3, 1, "3:c3", 6)], state: "c1\nc2\nc3"))
        // Reopening under the evicted id (what a clerk does not do: it takes a new id) makes
        // it usable again.
        #expect(try await machine.openSession(1) == .applied([]))
        let reopened = ClientSession(clientID: 1, sequence: 2)
        #expect(try await machine.submit("c1b".bytes, session: reopened) == .applied("4:c1b".bytes))
    }

    @Test func aWriteNumberedZeroIsRefused() async throws {
        let log = ScriptedLog()
        await log.setCommitsOnPropose(true)
        let machine = try await Self.make(log)
        let zero = ClientSession(clientID: 4, sequence: SessionTable.openingSequence)
        await #expect(throws: ReplicatedStateMachineError.openingSequenceOnWrite(zero)) {
            try await machine.submit("w".bytes, session: zero)
        }
        #expect(await log.proposals.isEmpty)
    }

    /// A new leader may not have applied a session's opening yet when the session's first
    /// write reaches it: only the table as of the write's log position decides.
    @Test func anUnknownSessionIsDecidedWhereTheWriteApplies() async throws {
        let log = ScriptedLog()
        await log.skip(1)
        let machine = try await Self.make(log)
        // The opening is in the log (index 1) but not applied here yet.
        async let write = machine.submit("w".bytes, session: ClientSession(clientID: 6, sequence: 1))
        try await log.waitForProposals(1)
        await log.deliver(.command(index: 1, term: 1, data: Self.envelope("", client: 6, sequence: 0)))
        await log.commit(2)
        #expect(try await write == .applied("1:w".bytes))
    }

    // MARK: Snapshots

    static func serviceSnapshot(sessions: [(UInt64, UInt64, String, UInt64)], state: String) -> [UInt8] {
        let records = sessions.map { SessionRecord(clientID: $0.0, sequence: $0.1, reply: $0.2.bytes, lastIndex: $0.3) }
        return try! ProtobufSerializer<ServiceSnapshot>().serialize(ServiceSnapshot(sessions: records, state: state.bytes))
    }

    @Test func neverSnapshotsWithoutALimit() async throws {
        let log = ScriptedLog()
        await log.setCommitsOnPropose(true)
        await log.setRaftStateBytes(1 << 30)
        let machine = try await Self.make(log)
        _ = try await machine.submit("a".bytes, session: nil)
        try await Self.waitApplied(machine, 1)
        #expect(await log.snapshots.isEmpty)
    }

    @Test func snapshotsWhenTheLogApproachesTheLimit() async throws {
        let log = ScriptedLog()
        await log.setCommitsOnPropose(true)
        let machine = try await Self.make(log) { $0.maxRaftStateBytes = 1000 }
        await log.setRaftStateBytes(899)
        _ = try await machine.openSession(5)
        _ = try await machine.submit("a".bytes, session: ClientSession(clientID: 5, sequence: 1))
        #expect(await log.snapshots.isEmpty)
        await log.setRaftStateBytes(900)  // 90 % of the limit
        // The size is looked at once per eighth of the threshold of applied bytes (112 here):
        // this entry's 100-byte payload plus the first one's take it past that.
        let large = String(repeating: "b", count: 100)
        _ = try await machine.submit(large.bytes, session: nil)
        try await Self.waitForSnapshot(log)
        let snapshot = try #require(await log.snapshots.first)
        #expect(snapshot.index == 3)
        #expect(snapshot.data == Self.serviceSnapshot(sessions: [(5, 1, "1:a", 2)], state: "a\n" + large))
        #expect(await machine.status().snapshotIndex == 3)
    }

    /// While the log is still writing an earlier snapshot (its size not yet down), the machine
    /// takes no other one; it does once the write ended.
    @Test func noSecondSnapshotWhileOneIsBeingWritten() async throws {
        let log = ScriptedLog()
        await log.setCommitsOnPropose(true)
        let machine = try await Self.make(log) { $0.maxRaftStateBytes = 1000 }
        await log.setRaftStateBytes(950)
        await log.setCompacting(true)
        let large = String(repeating: "b", count: 120)
        for _ in 0..<5 { _ = try await machine.submit(large.bytes, session: nil) }
        try await Self.waitApplied(machine, 5)
        #expect(await log.snapshots.isEmpty)
        await log.setCompacting(false)
        _ = try await machine.submit(large.bytes, session: nil)
        try await Self.waitForSnapshot(log)
        #expect(await log.snapshots.map(\.index) == [6])
    }

    /// `snapshotThresholdSpreadPercent`: each snapshot's threshold is drawn in
    /// [top − spread, top]; different seeds give different sequences, the same seed the same.
    @Test func snapshotThresholdsAreDrawnWithinTheSpread() {
        var configuration = ReplicatedStateMachine.Configuration()
        configuration.maxRaftStateBytes = 1000
        configuration.snapshotThresholdSpreadPercent = 40
        func draws(seed: UInt64) -> [Int] {
            var source = SplitMix64(seed: seed)
            return (0..<50).map { _ in ReplicatedStateMachine.drawSnapshotThreshold(configuration, &source) }
        }
        let first = draws(seed: 7)
        #expect(first.allSatisfy { (500...900).contains($0) }, "\(first)")
        #expect(Set(first).count > 10)
        #expect(draws(seed: 7) == first)
        #expect(draws(seed: 8) != first)
        // The size is looked at every 32nd of the spread, so that draws do not collapse onto
        // the same few looks (an eighth of the threshold without a spread).
        #expect(configuration.sizeCheckIntervalBytes == 400 / 32)
        configuration.snapshotThresholdSpreadPercent = 0
        var source = SplitMix64(seed: 7)
        #expect(ReplicatedStateMachine.drawSnapshotThreshold(configuration, &source) == 900)
        #expect(configuration.sizeCheckIntervalBytes == 900 / 8)
    }

    /// `snapshotLogRatioPercent`: past a large snapshot the threshold is that share of its
    /// size (spread alike), never below the maximum's; 0 leaves the maximum's alone.
    @Test func snapshotThresholdsFollowTheNewestSnapshotsSize() {
        var configuration = ReplicatedStateMachine.Configuration()
        configuration.maxRaftStateBytes = 1000
        configuration.snapshotLogRatioPercent = 50
        var source = SplitMix64(seed: 7)
        func draw(after bytes: Int) -> Int {
            ReplicatedStateMachine.drawSnapshotThreshold(configuration, newestSnapshotBytes: bytes, &source)
        }
        #expect(draw(after: 10_000) == 5000)
        #expect(draw(after: 1_000) == 900)
        configuration.snapshotThresholdSpreadPercent = 40
        let spread = (0..<50).map { _ in draw(after: 10_000) }
        #expect(spread.allSatisfy { (3000...5000).contains($0) } && Set(spread).count > 10, "\(spread)")
        configuration.snapshotLogRatioPercent = 0
        configuration.snapshotThresholdSpreadPercent = 0
        #expect(draw(after: 10_000) == 900)
    }

    /// After a snapshot larger than the log's limit, the next waits until the log reaches the
    /// ratio's share of it.
    @Test func theNextSnapshotWaitsForTheRatioOfTheLastOnesSize() async throws {
        let log = ScriptedLog()
        await log.setCommitsOnPropose(true)
        let machine = try await Self.make(log) {
            $0.maxRaftStateBytes = 1000
            $0.snapshotLogRatioPercent = 200
        }
        let large = String(repeating: "b", count: 1_200)
        await log.setRaftStateBytes(900)
        _ = try await machine.submit(large.bytes, session: nil)
        try await Self.waitForSnapshot(log)
        let first = try #require(await log.snapshots.first)
        #expect(first.data.count > 1_200)
        let threshold = await machine.nextSnapshotThresholdBytes
        #expect(threshold == first.data.count / 100 * 200)
        // Past the maximum's 900 bytes but short of twice the snapshot: no snapshot.
        await log.setRaftStateBytes(threshold - 1)
        for _ in 0..<3 { _ = try await machine.submit(large.bytes, session: nil) }
        try await Self.waitApplied(machine, 4)
        #expect(await log.snapshots.count == 1)
        await log.setRaftStateBytes(threshold)
        _ = try await machine.submit(large.bytes, session: nil)
        try await Self.waitForSnapshot(log, count: 2)
        #expect(await log.snapshots.map(\.index) == [1, 5])
    }

    /// With a spread, the machine snapshots once the log reaches its drawn threshold, not
    /// before.
    @Test func snapshotsAtTheDrawnThreshold() async throws {
        let log = ScriptedLog()
        await log.setCommitsOnPropose(true)
        let machine = try await Self.make(log) {
            $0.maxRaftStateBytes = 1000
            $0.snapshotThresholdSpreadPercent = 40
            $0.snapshotThresholdSeed = 3
        }
        let threshold = await machine.nextSnapshotThresholdBytes
        #expect((500...900).contains(threshold))
        await log.setRaftStateBytes(threshold - 1)
        let large = String(repeating: "b", count: 120)
        for _ in 0..<3 { _ = try await machine.submit(large.bytes, session: nil) }
        try await Self.waitApplied(machine, 3)
        #expect(await log.snapshots.isEmpty)
        await log.setRaftStateBytes(threshold)
        _ = try await machine.submit(large.bytes, session: nil)
        try await Self.waitForSnapshot(log)
        #expect(await log.snapshots.map(\.index) == [4])
    }

    @Test func restartsFromARestoredSnapshot() async throws {
        let log = ScriptedLog()
        await log.skip(10)
        let data = Self.serviceSnapshot(sessions: [(5, 4, "2:x", 9)], state: "w\nx")
        let machine = try await Self.make(log, restoredSnapshot: RestoredSnapshot(index: 10, data: data))
        #expect(await machine.status().appliedIndex == 10)
        #expect(await machine.status().snapshotIndex == 10)
        // The session came back: the retry is answered from it.
        #expect(try await machine.submit("x".bytes, session: ClientSession(clientID: 5, sequence: 4)) == .applied("2:x".bytes))
        // Commands at or below the snapshot are ignored; the next one continues the state.
        await log.deliver(.command(index: 10, term: 1, data: Self.envelope("old")))
        async let next = machine.submit("y".bytes, session: nil)
        try await log.waitForProposals(1)
        await log.commit(11)
        #expect(try await next == .applied("3:y".bytes))
    }

    @Test func anUndecodableRestoredSnapshotIsRefused() async throws {
        #expect(throws: ReplicatedStateMachineError.self) {
            try ReplicatedStateMachine(
                log: ScriptedLog(), stateMachine: RecordingMachine(),
                restoredSnapshot: RestoredSnapshot(index: 3, data: [0xFF, 0xFF, 0xFF]))
        }
    }

    @Test func anInstalledSnapshotReplacesTheStateAndFailsCoveredSubmissions() async throws {
        let log = ScriptedLog()
        let machine = try await Self.make(log) { $0.submitTimeout = .seconds(30) }
        async let outcome = machine.submit("mine".bytes, session: nil)
        try await log.waitForProposals(1)
        await log.deliver(.snapshot(index: 5, term: 2, data: Self.serviceSnapshot(sessions: [(8, 2, "r", 4)], state: "p\nq")))
        #expect(try await outcome == .wrongLeader(leaderHint: nil))
        try await Self.waitApplied(machine, 5)
        #expect(await machine.makeSnapshot() == Self.serviceSnapshot(sessions: [(8, 2, "r", 4)], state: "p\nq"))
        #expect(try await machine.submit("r".bytes, session: ClientSession(clientID: 8, sequence: 2)) == .applied("r".bytes))
    }

    @Test func restoredSnapshotFromAPersistedRaftSnapshot() throws {
        #expect(try RestoredSnapshot(persistedRaftSnapshot: []) == nil)
        let blob = try ProtobufSerializer<PersistedRaftSnapshot>().serialize(PersistedRaftSnapshot(index: 42, data: [1, 2, 3]))
        #expect(try RestoredSnapshot(persistedRaftSnapshot: blob) == RestoredSnapshot(index: 42, data: [1, 2, 3]))
        #expect(throws: (any Error).self) { try RestoredSnapshot(persistedRaftSnapshot: [0x0A, 0x7F]) }
    }
}
