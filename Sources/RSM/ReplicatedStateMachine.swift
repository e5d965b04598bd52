public import Logging
import Raft
import RaftRuntime
import RPCCore
import RPCProtobuf

/// Runs a service's ``StateMachine`` on a replicated log (a `RaftPeer`): clients submit
/// commands, and get the state machine's reply once the command is committed and applied.
///
/// What it does:
/// - **Submit and wait.** ``submit(_:session:)`` wraps the command in an `skv.rsm.Envelope`,
///   proposes it, and waits for its log index to apply. It answers
///   ``SubmitOutcome/wrongLeader(leaderHint:)`` as soon as it knows the command cannot apply
///   through this replica (not leader; leadership or term changed; a different entry landed at
///   the index) and ``SubmitOutcome/timeout`` after ``Configuration/submitTimeout``.
/// - **Exactly-once writes.** A ``SessionTable`` keeps each client's last write and reply; a
///   retried write is answered from it, without applying again. Reads carry no session.
/// - **Snapshots.** Once the persisted Raft state reaches 90 % of
///   ``Configuration/maxRaftStateBytes``, the session table and the state machine's snapshot
///   are handed to the log (`skv.rsm.Snapshot`), which discards the log up to that index. A
///   snapshot installed by the leader, or the one the replica restarted from, replaces both. One
///   that does not decode is refused, never applied: at start
///   ``init(log:stateMachine:restoredSnapshot:configuration:)`` throws; from the leader, the machine logs it and stops serving with
///   ``ReplicatedStateMachineError/snapshotRejected(index:reason:)``.
/// - **Reads.** ``read(_:)`` is the one read path. By default (``ReadPath/readIndex``) it asks
///   the log for a read index (Raft thesis §6.4: the leader's commit index, confirmed by a
///   heartbeat quorum), waits until that index has applied, and answers with
///   ``StateMachine/query(_:)`` — no log entry, no fsync. Reads that arrive while a round is
///   in flight share the next round (one heartbeat round per batch, as etcd's read loop does).
///   ``ReadPath/log`` puts the query through the log like a write instead.
///
/// Concurrency: one actor owns the state machine, the session table and the waiting
/// submissions. The apply loop (started by ``start()``) consumes the log's apply stream on this
/// actor; submissions interleave with it at their `await`s. Call ``stop()`` when the replica is
/// killed: waiting submissions then fail with ``ReplicatedStateMachineError/stopped``.
public actor ReplicatedStateMachine {
    /// Limits and timings, validated at construction (named with their units).
    public struct Configuration: Sendable {
        /// Snapshot when the persisted Raft state reaches 90 % of this many bytes; -1 = never
        /// (the labs' `maxraftstate`).
        public var maxRaftStateBytes = -1
        /// Each snapshot is taken at a persisted size drawn anew, uniformly, from the top
        /// ``snapshotThresholdBytes`` down to this many percent of ``maxRaftStateBytes`` lower
        /// (0: always at the top, as the labs expect). Members of one group apply the same
        /// entries at the same pace: with one fixed threshold they all encode their whole state
        /// at the same moment, which at 1 M keys (≈ 110 MB each, on shared cores) cost the group
        /// its leader (bench-kv-scale.sh's load). Drawn from ``snapshotThresholdSeed``.
        public var snapshotThresholdSpreadPercent = 0
        /// Seed of the draws above; give each member its own.
        public var snapshotThresholdSeed: UInt64 = 1
        /// With a large state, the next snapshot also waits until the persisted state reaches
        /// this many percent of the newest snapshot's size (taken, installed or restored); 0:
        /// only ``maxRaftStateBytes`` counts, as the labs expect. So the work of snapshotting
        /// stays proportional to what is written: with the fixed threshold alone, a daemon's
        /// 116-MB state (1 M keys) was encoded, written and fsynced again after every 8 MiB of
        /// log — 22 times per member while the keys were loaded, and once per 128 writes of
        /// 64 KiB (issue 15). The price is a longer log, on disk and in the Raft peer's memory,
        /// of at most this share of the state. The spread above applies to the larger
        /// threshold alike.
        public var snapshotLogRatioPercent = 0
        /// Client sessions kept for de-duplication; past it the session with the oldest last
        /// write is evicted (see ``SessionTable``). Must exceed the number of active clients.
        public var maxSessions = 10_000
        /// Submissions that may wait for their entry at once; more are refused with
        /// ``ReplicatedStateMachineError/overloaded(limit:)``.
        public var maxPendingSubmissions = 1_000
        /// How long a submission waits for its entry to apply before ``SubmitOutcome/timeout``.
        public var submitTimeout: Duration = .seconds(1)
        /// How often waiting submissions check that this replica still leads in their term.
        public var leadershipCheckInterval: Duration = .milliseconds(20)
        /// How ``ReplicatedStateMachine/read(_:)`` makes reads linearizable.
        public var readPath: ReadPath = .readIndex
        /// The clock submission deadlines and leadership checks use; a deterministic
        /// simulation passes its virtual clock (with the Raft peer's, for read timeouts).
        public var clock: any Clock<Duration> = ContinuousClock()
        /// The executor the machine's own tasks (the apply loop, read rounds, the deadline
        /// monitor) prefer; `nil` for the global one. A daemon passes its replica's event loop
        /// (with ``snapshotExecutor``), so a committed entry reaches the machine and its
        /// submitter's reply leaves without waking another thread; a deterministic simulation
        /// passes its single-threaded executor.
        public var taskExecutor: (any TaskExecutor)?
        /// The executor ReadIndex rounds prefer; `nil`: ``taskExecutor``. A daemon keeping the
        /// apply loop on the global executor (so applies use the second core) passes its
        /// replica's event loop here: the caller's request, the round's heartbeats and their
        /// answers, the query and the reply then stay on that one thread.
        public var readTaskExecutor: (any TaskExecutor)?
        /// Where snapshots are encoded (log compaction) and decoded (a snapshot from the
        /// leader), while the apply loop waits; `nil`: on the machine's own executor. A large
        /// state takes long (≈ 0.8 s to encode at 1 M keys): with ``taskExecutor`` on an event
        /// loop, pass `globalConcurrentExecutor` so that the loop's I/O and heartbeats go on
        /// meanwhile. A deterministic simulation leaves it `nil`.
        public var snapshotExecutor: (any TaskExecutor)?
        /// Where the machine reports what an operator must see (a refused snapshot).
        public var logger = Logger(label: "skv.rsm")

        public init() {}

        /// Traps on a value that cannot work (a programmer error in the composition root).
        func validate() {
            precondition(maxRaftStateBytes == -1 || maxRaftStateBytes > 0, "maxRaftStateBytes must be -1 or positive")
            precondition(maxSessions >= 1, "maxSessions must be at least 1")
            precondition(maxPendingSubmissions >= 1, "maxPendingSubmissions must be at least 1")
            precondition(submitTimeout > .zero, "submitTimeout must be positive")
            precondition(leadershipCheckInterval > .zero, "leadershipCheckInterval must be positive")
            precondition(
                (0...80).contains(snapshotThresholdSpreadPercent), "snapshotThresholdSpreadPercent must be in 0...80")
            precondition((0...1_000).contains(snapshotLogRatioPercent), "snapshotLogRatioPercent must be in 0...1000")
        }

        /// The persisted-state size that triggers a snapshot (90 % of the maximum).
        var snapshotThresholdBytes: Int { maxRaftStateBytes - maxRaftStateBytes / 10 }

        /// How many bytes of applied entries (payload plus ``estimatedEntryOverheadBytes`` each)
        /// pass between two looks at the log's persisted size: an eighth of the threshold, so
        /// the apply loop asks the log (an actor hop) once per that many bytes instead of after
        /// every entry, and a snapshot starts at most that much later. With a spread, a
        /// 32nd of the spread instead: every member looks at the same applied indices, so
        /// coarser looks would land the drawn thresholds of a group's members on the same few
        /// indices (at 1 M keys with an eighth, members still snapshotted together at every
        /// third or fourth look).
        var sizeCheckIntervalBytes: Int {
            let spread = snapshotThresholdSpreadBytes
            return max(1, spread > 0 ? min(snapshotThresholdBytes / 8, spread / 32) : snapshotThresholdBytes / 8)
        }

        /// How far below ``snapshotThresholdBytes`` a drawn threshold may lie (0 without a limit).
        var snapshotThresholdSpreadBytes: Int {
            maxRaftStateBytes > 0 ? maxRaftStateBytes / 100 * snapshotThresholdSpreadPercent : 0
        }

        /// What an entry adds to the persisted state beyond its payload (term, index, framing),
        /// rounded up, for ``sizeCheckIntervalBytes``.
        static let estimatedEntryOverheadBytes = 32
    }

    /// What the layer reports about itself (for status RPCs and tests).
    public struct Status: Sendable, Hashable {
        /// The last log index applied to the state machine (or covered by its snapshot).
        public var appliedIndex: UInt64
        /// The index of the last snapshot taken or installed (0 if none).
        public var snapshotIndex: UInt64
        /// Client sessions in the de-duplication table.
        public var sessions: Int
        /// Submissions waiting for their entry.
        public var pendingSubmissions: Int
        public var isStopped: Bool
    }

    /// How reads are made linearizable.
    public enum ReadPath: Sendable, Hashable {
        /// Raft's ReadIndex: a heartbeat round per batch of reads, then a local query.
        case readIndex
        /// Through the log, like a write without a session (an entry and an fsync per read).
        case log
    }

    typealias SubmitResult = Result<SubmitOutcome, ReplicatedStateMachineError>

    /// What a read asks for once its read index has applied.
    private enum ReadRequest {
        /// A service query (``StateMachine/query(_:)``).
        case query([UInt8])
        /// The whole state, as ``makeSnapshot()`` encodes it, with the index it covers.
        case snapshot
    }

    /// What a read is answered with.
    private enum ReadAnswer {
        case outcome(SubmitOutcome)
        case snapshot(index: UInt64, data: [UInt8])
    }

    private typealias ReadResult = Result<ReadAnswer, ReplicatedStateMachineError>

    /// One read waiting for a ReadIndex round or for its read index to apply.
    private struct PendingRead {
        var request: ReadRequest
        /// When the read arrived (``StageTiming/now()``; 0 when timing is off).
        var start: UInt64
        var continuation: CheckedContinuation<ReadResult, Never>
    }

    /// One submission waiting for its entry.
    private struct Waiter {
        var id: UInt64
        var term: UInt64
        /// On ``clock``'s scale.
        var deadline: Duration
        var continuation: CheckedContinuation<SubmitResult, Never>
    }

    public nonisolated let configuration: Configuration
    /// ``Configuration/clock``, for deadlines.
    private let clock: ElapsedClock
    private let log: any ReplicatedLog
    private var machine: any StateMachine
    private var sessions: SessionTable
    private var appliedIndex: UInt64 = 0
    private var snapshotIndex: UInt64 = 0
    /// Waiting submissions by log index (several only if terms differ).
    private var waiters: [UInt64: [Waiter]] = [:]
    private var waiterCount = 0
    private var nextWaiterID: UInt64 = 0
    /// Proposals awaiting `propose`'s return, with the applied index when they started, and the
    /// results of entries applied meanwhile (a proposal's entry may apply before `propose`
    /// returns to us).
    private var proposalsInFlight: [UInt64: UInt64] = [:]
    private var nextProposalID: UInt64 = 0
    private var recentResults: [UInt64: (term: UInt64, result: SubmitResult)] = [:]
    /// Reads waiting for the next ReadIndex round.
    private var queuedReads: [PendingRead] = []
    /// Reads whose round ended, until the state machine applied their read index.
    private var readsAwaitingApply: [(index: UInt64, reads: [PendingRead])] = []
    /// Reads in the ReadIndex round in flight (at most one round at a time; a round is in
    /// flight exactly when this is non-zero, since a round never starts empty).
    private var readsInRound = 0
    /// Bytes applied (payload plus overhead) since the apply loop last asked the log its size.
    private var bytesAppliedSinceSizeCheck = 0
    /// Whether a snapshot is being encoded from a copy while the apply loop goes on (see
    /// ``CopyOnWriteStateMachine``); no second one starts meanwhile.
    private var snapshotEncoding = false
    /// The persisted size at which the next snapshot is taken (see
    /// ``Configuration/snapshotThresholdSpreadPercent``), and the draws' source.
    private(set) var nextSnapshotThresholdBytes = 0
    private var thresholdDraws: SplitMix64
    private var applyTask: Task<Void, Never>?
    private var monitorTask: Task<Void, Never>?
    /// Why the machine stopped: ``ReplicatedStateMachineError/stopped`` after ``stop()``, or
    /// ``ReplicatedStateMachineError/snapshotRejected(index:reason:)`` after refusing a snapshot.
    private var stopReason: ReplicatedStateMachineError?
    private var stopped: Bool { stopReason != nil }

    /// Creates the layer over `log` with `stateMachine` in its initial state, restoring
    /// `restoredSnapshot` (the snapshot the replica restarted from) if given. Call ``start()``
    /// to begin applying.
    ///
    /// - Throws: ``ReplicatedStateMachineError/snapshotRejected(index:reason:)`` if the snapshot
    ///   does not decode (corruption: do not start the replica).
    public init(
        log: any ReplicatedLog, stateMachine: sending any StateMachine, restoredSnapshot: RestoredSnapshot? = nil,
        configuration: Configuration = Configuration()
    ) throws {
        configuration.validate()
        self.configuration = configuration
        thresholdDraws = SplitMix64(seed: configuration.snapshotThresholdSeed)
        nextSnapshotThresholdBytes = Self.drawSnapshotThreshold(
            configuration, newestSnapshotBytes: restoredSnapshot?.data.count ?? 0, &thresholdDraws)
        clock = ElapsedClock(configuration.clock)
        self.log = log
        var machine = stateMachine
        var sessions = SessionTable(maxSessions: configuration.maxSessions)
        if let restoredSnapshot {
            try Self.restore(restoredSnapshot.data, index: restoredSnapshot.index, into: &machine, &sessions)
            appliedIndex = restoredSnapshot.index
            snapshotIndex = restoredSnapshot.index
        }
        self.machine = machine
        self.sessions = sessions
    }

    /// Starts consuming the log's apply stream (once).
    public func start() {
        guard applyTask == nil, !stopped else { return }
        applyTask = Task(executorPreference: configuration.taskExecutor) { await self.runApplyLoop() }
    }

    /// Stops applying; every waiting submission fails with ``ReplicatedStateMachineError/stopped``
    /// and later ones are refused. Idempotent. Does not stop the log (kill the peer for that).
    public func stop() {
        applyTask?.cancel()
        guard !stopped else { return }
        end(.stopped)
    }

    /// Stops serving for `reason`: fails every waiting submission and read with it, and every
    /// later one. Does not cancel the apply loop (``stop()`` does).
    private func end(_ reason: ReplicatedStateMachineError) {
        stopReason = reason
        monitorTask?.cancel()
        // In log order, not hash order: each resumption enqueues a job, and a simulation run must
        // not depend on hashing.
        let all = waiters.keys.sorted().flatMap { waiters[$0] ?? [] }
        waiters = [:]
        waiterCount = 0
        for waiter in all { waiter.continuation.resume(returning: .failure(reason)) }
        let reads = queuedReads + readsAwaitingApply.flatMap(\.reads)
        queuedReads = []
        readsAwaitingApply = []
        for read in reads { read.continuation.resume(returning: .failure(reason)) }
    }

    /// The error requests get once stopped.
    private var stopError: ReplicatedStateMachineError { stopReason ?? .stopped }

    public func status() -> Status {
        Status(
            appliedIndex: appliedIndex, snapshotIndex: snapshotIndex, sessions: sessions.count,
            pendingSubmissions: pendingCount, isStopped: stopped)
    }

    /// A local, non-replicated look at the state machine as this replica has applied it so far
    /// (for a service's own driver and for answers any replica may give, such as a frozen
    /// shard's data). Not linearizable: a follower may lag; use ``read(_:)`` for clients.
    /// `body` runs on this actor, so it sees one consistent state between two applied entries.
    ///
    /// - Precondition: the state machine is a `Machine` (the service passes its own type).
    public func inspect<Machine: StateMachine, Result: Sendable>(
        _ type: Machine.Type, _ body: (Machine, _ appliedIndex: UInt64) -> Result
    ) -> Result {
        guard let machine = machine as? Machine else {
            preconditionFailure("the state machine is a \(Swift.type(of: self.machine)), not a \(Machine.self)")
        }
        return body(machine, appliedIndex)
    }

    // MARK: Submitting

    /// Submits a command (a write, or anything that must be ordered in the log) and waits until
    /// it applied, this replica learnt it cannot apply through it, or the timeout passed.
    ///
    /// With a `session`, the command applies at most once per (client, sequence): a retry of
    /// the client's latest write returns the cached reply at once, even on a follower.
    /// - Throws: ``ReplicatedStateMachineError`` — stopped, overloaded, or a stale sequence.
    public func submit(
        _ command: [UInt8], session: ClientSession?
    ) async throws(ReplicatedStateMachineError) -> SubmitOutcome {
        guard !stopped else { throw stopError }
        if let session {
            guard session.sequence != SessionTable.openingSequence else { throw .openingSequenceOnWrite(session) }
            switch sessions.verdict(for: session) {
            case .duplicate(let reply): return .applied(reply)
            case .stale(let latest): throw .staleSequence(session, latest: latest)
            // Only the table as of the write's own log position may refuse it: this replica may
            // not have applied the session's opening yet (a new leader that lags), so an
            // unknown session here proves nothing.
            case .new, .expired: break
            }
        }
        let envelope = Envelope(clientID: session?.clientID ?? 0, sequence: session?.sequence ?? 0, command: command)
        return try await replicate(envelope)
    }

    /// Opens the exactly-once session of `clientID` (non-zero) through the log: once it applied,
    /// the client's writes (sequence 1, 2, …) are de-duplicated, until the session is evicted
    /// (see ``SessionTable``). The opening changes nothing else, so a retry is always safe;
    /// answers `.applied([])`, or `.wrongLeader` / `.timeout` to retry.
    /// - Throws: ``ReplicatedStateMachineError`` — stopped or overloaded.
    public func openSession(_ clientID: UInt64) async throws(ReplicatedStateMachineError) -> SubmitOutcome {
        precondition(clientID != 0, "client id 0 means no session")
        guard !stopped else { throw .stopped }
        return try await replicate(Envelope(clientID: clientID, sequence: SessionTable.openingSequence, command: []))
    }

    /// Answers a read-only query linearizably: the reply reflects every write that completed
    /// before the call. With ``ReadPath/readIndex`` only a leader answers (after a heartbeat
    /// quorum confirmed it still leads), through ``StateMachine/query(_:)``; a follower answers
    /// ``SubmitOutcome/wrongLeader(leaderHint:)`` and a leader that cannot reach a quorum
    /// within ``Configuration/submitTimeout`` answers ``SubmitOutcome/timeout``.
    /// - Throws: ``ReplicatedStateMachineError`` — stopped or overloaded.
    public func read(_ query: [UInt8]) async throws(ReplicatedStateMachineError) -> SubmitOutcome {
        guard !stopped else { throw stopError }
        switch configuration.readPath {
        case .log:
            return try await replicate(Envelope(clientID: 0, sequence: 0, command: query))
        case .readIndex:
            switch try await readAfterReadIndex(.query(query)) {
            case .outcome(let outcome): return outcome
            case .snapshot: preconditionFailure("a query read answered with a snapshot")
            }
        }
    }

    /// A linearizable copy of the whole state for a backup: after a ReadIndex round (as for
    /// ``read(_:)``, whatever the ``Configuration/readPath``) the leader encodes the session
    /// table and the state machine's snapshot (an `skv.rsm.Snapshot`, what a restarted
    /// replica restores) as applied through `index`, at or after the read index, so the copy
    /// holds every write that completed before the call.
    /// - Throws: ``ReplicatedStateMachineError`` — stopped or overloaded.
    public func readSnapshot() async throws(ReplicatedStateMachineError) -> SnapshotReadOutcome {
        guard !stopped else { throw stopError }
        switch try await readAfterReadIndex(.snapshot) {
        case .outcome(.wrongLeader(let hint)): return .wrongLeader(leaderHint: hint)
        case .outcome(.timeout): return .timeout
        case .outcome(.applied), .outcome(.sessionExpired):
            preconditionFailure("a snapshot read answered with a query result")
        case .snapshot(let index, let data): return .snapshot(index: index, data: data)
        }
    }

    /// Queues a read for the next ReadIndex round and waits for its answer.
    private func readAfterReadIndex(_ request: ReadRequest) async throws(ReplicatedStateMachineError) -> ReadAnswer {
        guard pendingCount < configuration.maxPendingSubmissions else {
            throw .overloaded(limit: configuration.maxPendingSubmissions)
        }
        let start = StageTiming.shared.isEnabled ? StageTiming.shared.now() : 0
        let result = await withCheckedContinuation { continuation in
            queuedReads.append(PendingRead(request: request, start: start, continuation: continuation))
            startReadRound()
        }
        return try result.get()
    }

    /// Everything waiting: submissions and reads.
    private var pendingCount: Int {
        waiterCount + proposalsInFlight.count + queuedReads.count + readsInRound
            + readsAwaitingApply.reduce(0) { $0 + $1.reads.count }
    }

    /// Starts a ReadIndex round for the queued reads unless one is in flight (its end starts
    /// the next).
    private func startReadRound() {
        guard readsInRound == 0, !queuedReads.isEmpty, !stopped else { return }
        let batch = queuedReads
        queuedReads = []
        readsInRound = batch.count
        Task(executorPreference: configuration.readTaskExecutor ?? configuration.taskExecutor) {
            await self.runReadRound(batch)
        }
    }

    private func runReadRound(_ batch: [PendingRead]) async {
        let result: Result<UInt64, RaftPeerError>
        if StageTiming.shared.isEnabled {
            for read in batch { StageTiming.shared.record("read: queued until round", since: read.start) }
        }
        do throws(RaftPeerError) {
            result = .success(try await log.readIndex(timeout: configuration.submitTimeout))
        } catch {
            result = .failure(error)
        }
        readsInRound = 0
        if StageTiming.shared.isEnabled {
            for read in batch { StageTiming.shared.record("read: ReadIndex confirmed", since: read.start) }
        }
        guard !stopped else {
            for read in batch { read.continuation.resume(returning: .failure(stopError)) }
            return
        }
        switch result {
        case .success(let index) where index <= appliedIndex:
            answer(batch)
        case .success(let index):
            readsAwaitingApply.append((index, batch))
        case .failure(let error):
            let outcome: ReadResult
            switch error {
            case .notLeader(let hint): outcome = .success(.outcome(.wrongLeader(leaderHint: hint)))
            case .leadershipLost, .leadershipTransferInProgress:
                outcome = .success(.outcome(.wrongLeader(leaderHint: nil)))
            case .timeout, .tooManyPendingReads: outcome = .success(.outcome(.timeout))
            case .stopped: outcome = .failure(.stopped)
            case .unknownNode, .membershipChangePending, .membershipChangeRefused, .membershipChangeWouldLoseQuorum:
                preconditionFailure("readIndex neither names a node nor changes membership: \(error)")
            }
            for read in batch { read.continuation.resume(returning: outcome) }
        }
        startReadRound()
    }

    /// Answers reads from the current state (their read index has applied).
    private func answer(_ reads: [PendingRead]) {
        for read in reads {
            switch read.request {
            case .query(let query):
                read.continuation.resume(returning: .success(.outcome(.applied(machine.query(query)))))
            case .snapshot:
                read.continuation.resume(returning: .success(.snapshot(index: appliedIndex, data: makeSnapshot())))
            }
            StageTiming.shared.record("read: answered", since: read.start)
        }
    }

    /// Answers the reads whose read index has now applied.
    private func answerReads(through index: UInt64) {
        guard !readsAwaitingApply.isEmpty else { return }
        var remaining: [(index: UInt64, reads: [PendingRead])] = []
        for entry in readsAwaitingApply {
            if entry.index <= index { answer(entry.reads) } else { remaining.append(entry) }
        }
        readsAwaitingApply = remaining
    }

    private func replicate(_ envelope: Envelope) async throws(ReplicatedStateMachineError) -> SubmitOutcome {
        let pending = pendingCount
        guard pending < configuration.maxPendingSubmissions else {
            throw .overloaded(limit: configuration.maxPendingSubmissions)
        }
        let bytes: [UInt8]
        do {
            bytes = try ProtobufSerializer<Envelope>().serialize(envelope)
        } catch {
            preconditionFailure("an Envelope always encodes: \(error)")
        }
        nextProposalID += 1
        let proposal = nextProposalID
        proposalsInFlight[proposal] = appliedIndex
        let timing = StageTiming.shared
        let start = timing.isEnabled ? timing.now() : 0
        let (index, term, isLeader) = await log.propose(bytes)
        timing.start(index: index, at: start)
        timing.mark("write: propose returned", index: index)
        defer { timing.mark("write: submitter resumed", index: index, finish: true) }
        proposalsInFlight[proposal] = nil
        let recent = recentResults[index]
        pruneRecentResults()
        guard !stopped else { throw stopError }
        guard isLeader else { return .wrongLeader(leaderHint: await log.leaderHint()) }
        if let recent {
            // Our entry (same index and term means same entry) applied while we were away.
            return recent.term == term ? try recent.result.get() : .wrongLeader(leaderHint: nil)
        }
        // Something else applied at or past our index: our entry was replaced.
        if index <= appliedIndex { return .wrongLeader(leaderHint: nil) }
        return try await wait(index: index, term: term).get()
    }

    /// Keeps only the results a proposal still in flight may need: those past the applied
    /// index at the start of the oldest one.
    private func pruneRecentResults() {
        guard let floor = proposalsInFlight.values.min() else {
            recentResults = [:]
            return
        }
        recentResults = recentResults.filter { $0.key > floor }
    }

    private func wait(index: UInt64, term: UInt64) async -> SubmitResult {
        nextWaiterID += 1
        let id = nextWaiterID
        let deadline = clock.now + configuration.submitTimeout
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if stopped {
                    continuation.resume(returning: .failure(stopError))
                    return
                }
                if Task.isCancelled {
                    continuation.resume(returning: .success(.timeout))
                    return
                }
                waiters[index, default: []].append(
                    Waiter(id: id, term: term, deadline: deadline, continuation: continuation))
                waiterCount += 1
                ensureMonitor()
            }
        } onCancel: {
            Task(executorPreference: configuration.taskExecutor) { await self.cancelWaiter(id) }
        }
    }

    private func cancelWaiter(_ id: UInt64) {
        for (index, list) in waiters {
            guard let position = list.firstIndex(where: { $0.id == id }) else { continue }
            var remaining = list
            let waiter = remaining.remove(at: position)
            waiters[index] = remaining.isEmpty ? nil : remaining
            waiterCount -= 1
            waiter.continuation.resume(returning: .success(.timeout))
            return
        }
    }

    // MARK: Watching leadership and deadlines

    private func ensureMonitor() {
        guard monitorTask == nil, !stopped else { return }
        monitorTask = Task(executorPreference: configuration.taskExecutor) { await self.monitor() }
    }

    /// While submissions wait: every ``Configuration/leadershipCheckInterval``, fail those whose
    /// term is over or whose replica no longer leads, and time out the expired ones.
    private func monitor() async {
        while !stopped && waiterCount > 0 {
            try? await clock.sleep(for: configuration.leadershipCheckInterval)
            guard !stopped else { break }
            // Judge only waiters registered before the state was read.
            let judged = nextWaiterID
            let (term, isLeader) = await log.state()
            let hint = isLeader ? nil : await log.leaderHint()
            let now = clock.now
            var resumed: [(Waiter, SubmitResult)] = []
            // In log order (see `stop()`).
            for index in waiters.keys.sorted() {
                guard let list = waiters[index] else { continue }
                var remaining: [Waiter] = []
                for waiter in list {
                    if waiter.id <= judged && (!isLeader || waiter.term < term) {
                        resumed.append((waiter, .success(.wrongLeader(leaderHint: hint))))
                    } else if now >= waiter.deadline {
                        resumed.append((waiter, .success(.timeout)))
                    } else {
                        remaining.append(waiter)
                    }
                }
                waiters[index] = remaining.isEmpty ? nil : remaining
            }
            waiterCount -= resumed.count
            for (waiter, result) in resumed { waiter.continuation.resume(returning: result) }
        }
        monitorTask = nil
    }

    // MARK: Applying

    private func runApplyLoop() async {
        // One batch per Ready of the peer: one wake-up for all the entries it committed.
        while let batch = await log.applyStream.nextBatch() {
            for message in batch {
                // After a refused snapshot the stream is drained (the peer goes on delivering)
                // but nothing is applied: the state no longer matches the log.
                if case .snapshotRejected = stopReason { break }
                guard !stopped else { return }
                if case .snapshot = message, let snapshotExecutor = configuration.snapshotExecutor {
                    // The actor runs the decode on the task's preferred executor (SE-0417).
                    await Task(executorPreference: snapshotExecutor) { await self.handle(message) }.value
                } else {
                    handle(message)
                }
                await snapshotIfLogIsLarge()
            }
        }
        // The log finished its stream: the peer was killed.
        stop()
    }

    private func handle(_ message: ApplyMessage) {
        switch message {
        case .command(let index, let term, let data):
            guard index > appliedIndex else { return }
            bytesAppliedSinceSizeCheck += data.count + Configuration.estimatedEntryOverheadBytes
            let result = execute(data, index: index)
            StageTiming.shared.mark("write: applied", index: index)
            appliedIndex = index
            if !proposalsInFlight.isEmpty { recentResults[index] = (term, result) }
            resolveWaiters(through: index) { waiterIndex, waiter in
                waiterIndex == index && waiter.term == term ? result : .success(.wrongLeader(leaderHint: nil))
            }
            answerReads(through: index)
        case .skipped(let index, _):
            // Nothing to execute, but the state is now the state at `index`: reported applied
            // (an idle group's replicas show applied = commit), and a proposal that a new
            // leader's no-op replaced at this index learns it lost now, not at the next command.
            guard index > appliedIndex else { return }
            appliedIndex = index
            resolveWaiters(through: index) { _, _ in .success(.wrongLeader(leaderHint: nil)) }
            answerReads(through: index)
        case .snapshot(let index, _, let data):
            guard index > appliedIndex else { return }
            do throws(ReplicatedStateMachineError) {
                try install(data, index: index)
            } catch {
                refuse(error)
                return
            }
            // Whether the waiting entries were in the snapshot is unknown: have them retried
            // (sessions make retried writes safe).
            resolveWaiters(through: index) { _, _ in .success(.wrongLeader(leaderHint: nil)) }
            // A read index at or below the snapshot is satisfied by the installed state.
            answerReads(through: index)
        }
    }

    /// Applies one log entry's envelope, de-duplicating writes with sessions.
    private func execute(_ data: [UInt8], index: UInt64) -> SubmitResult {
        guard let envelope = try? ProtobufDeserializer<Envelope>().deserialize(data) else {
            // Not an envelope (no replica of this service writes such an entry): skipped the
            // same way on every replica.
            return .success(.applied([]))
        }
        guard let session = envelope.session else {
            return .success(.applied(machine.apply(envelope.command, index: index)))
        }
        let opening = session.sequence == SessionTable.openingSequence
        switch sessions.verdict(for: session) {
        case .new:
            // An opening records the session and nothing else (its reply is empty).
            let reply = opening ? [] : machine.apply(envelope.command, index: index)
            sessions.record(session, reply: reply, index: index)
            return .success(.applied(reply))
        case .duplicate(let reply):
            return .success(.applied(reply))
        case .stale where opening:
            // A late retry of an opening whose session has written since: nothing to do.
            return .success(.applied([]))
        case .stale(let latest):
            return .failure(.staleSequence(session, latest: latest))
        case .expired:
            return .success(.sessionExpired)
        }
    }

    private func resolveWaiters(through index: UInt64, result: (UInt64, Waiter) -> SubmitResult) {
        guard waiterCount > 0 else { return }
        // In log order (see `stop()`).
        for waiterIndex in waiters.keys.filter({ $0 <= index }).sorted() {
            guard let list = waiters.removeValue(forKey: waiterIndex) else { continue }
            waiterCount -= list.count
            for waiter in list { waiter.continuation.resume(returning: result(waiterIndex, waiter)) }
        }
    }

    /// Replaces the state with the leader's snapshot at `index`; on a snapshot that does not
    /// decode, throws and leaves the state as it was.
    private func install(_ data: [UInt8], index: UInt64) throws(ReplicatedStateMachineError) {
        var restoredMachine = machine
        var restoredSessions = sessions
        try Self.restore(data, index: index, into: &restoredMachine, &restoredSessions)
        machine = restoredMachine
        sessions = restoredSessions
        appliedIndex = index
        snapshotIndex = index
        snapshotTaken(bytes: data.count)
    }

    /// Refuses the leader's snapshot: corruption (on the wire or in the leader) or a version
    /// mismatch. Applying on from the old state would diverge silently, and the log before the
    /// snapshot is gone, so the machine stops serving (every request fails with `error`) and
    /// applies nothing more; the Raft peer stays a member, so the group keeps its majority.
    private func refuse(_ error: ReplicatedStateMachineError) {
        configuration.logger.error(
            "refused a snapshot from the leader; the replica stops serving",
            metadata: ["error": "\(error)", "appliedIndex": "\(appliedIndex)"])
        end(error)
    }

    /// Decodes a service snapshot (`skv.rsm.Snapshot`) at `index` into `machine` and `sessions`.
    private static func restore(
        _ data: [UInt8], index: UInt64, into machine: inout any StateMachine, _ sessions: inout SessionTable
    ) throws(ReplicatedStateMachineError) {
        do {
            let snapshot = try ProtobufDeserializer<ServiceSnapshot>().deserialize(data)
            try machine.restore(snapshot.state)
            sessions.restore(snapshot.sessions)
        } catch {
            throw .snapshotRejected(index: index, reason: "\(error)")
        }
    }

    // MARK: Snapshots

    /// Checks that `data` is a service snapshot (`skv.rsm.Snapshot`, as ``readSnapshot()``
    /// returns it) whose state `stateMachine` restores, and restores it there; returns the
    /// number of client sessions it holds. For tools that read a backup before seeding a
    /// replica with it.
    /// - Throws: if the bytes or the state do not decode.
    public static func verifySnapshot(_ data: [UInt8], restoringInto stateMachine: inout some StateMachine) throws
        -> Int
    {
        let snapshot = try ProtobufDeserializer<ServiceSnapshot>().deserialize(data)
        try stateMachine.restore(snapshot.state)
        return snapshot.sessions.count
    }

    /// The snapshot of everything applied so far (`skv.rsm.Snapshot`).
    func makeSnapshot() -> [UInt8] { Self.encodeSnapshot(machine, sessions) }

    /// `skv.rsm.Snapshot` of `machine` and `sessions`: the sessions packed by protobuf-c, then
    /// the state, its last field, encoded by the machine straight into the same buffer
    /// (``StateMachine/snapshot(appendingTo:)``; the bytes protobuf-c would pack).
    static func encodeSnapshot(_ machine: any StateMachine, _ sessions: SessionTable) -> [UInt8] {
        var bytes: [UInt8]
        do {
            bytes = try ProtobufSerializer<ServiceSnapshot>().serialize(
                ServiceSnapshot(sessions: sessions.sortedRecords, state: []))
        } catch {
            preconditionFailure("a service snapshot always encodes: \(error)")
        }
        ProtobufTrailingBytesField.append(field: ServiceSnapshot.stateField, to: &bytes) {
            machine.snapshot(appendingTo: &$0)
        }
        return bytes
    }

    private func snapshotIfLogIsLarge() async {
        guard configuration.maxRaftStateBytes > 0, appliedIndex > snapshotIndex,
            bytesAppliedSinceSizeCheck >= configuration.sizeCheckIntervalBytes
        else { return }
        bytesAppliedSinceSizeCheck = 0
        let size = await log.raftStateSize()
        // The apply loop is suspended here, so nothing was applied meanwhile.
        guard size >= nextSnapshotThresholdBytes, appliedIndex > snapshotIndex, !stopped, !snapshotEncoding,
            !(await log.snapshotInProgress())
        else { return }
        let index = appliedIndex
        let data: [UInt8]
        if let snapshotExecutor = configuration.snapshotExecutor {
            if let copy = machine as? any CopyOnWriteStateMachine {
                // The copies are the state and sessions at `index` (nothing ran on the actor
                // since the apply loop's last entry); the loop goes on at once.
                let sessions = self.sessions
                snapshotEncoding = true
                Task(executorPreference: snapshotExecutor) {
                    let data = Self.encodeSnapshot(copy, sessions)
                    await self.finishSnapshot(index: index, data: data)
                }
                return
            }
            // Only the apply loop (suspended here) changes the state, so the snapshot taken by
            // the other task still covers exactly `index`. The actor runs it on the task's
            // preferred executor (SE-0417).
            data = await Task(executorPreference: snapshotExecutor) { await self.makeSnapshot() }.value
        } else {
            data = makeSnapshot()
        }
        snapshotIndex = index
        snapshotTaken(bytes: data.count)
        await log.snapshot(index: index, data: data)
    }

    /// Hands the log a snapshot encoded from a copy (see ``CopyOnWriteStateMachine``), unless
    /// the machine stopped or installed a leader's snapshot at or past `index` meanwhile.
    private func finishSnapshot(index: UInt64, data: [UInt8]) async {
        defer { snapshotEncoding = false }
        guard !stopped, index > snapshotIndex else { return }
        snapshotIndex = index
        snapshotTaken(bytes: data.count)
        // Still encoding (the defer) until the log has the snapshot: until then its size stays
        // high, and the apply loop would start another one.
        await log.snapshot(index: index, data: data)
    }

    /// Draws the next snapshot's threshold after a snapshot of `bytes` (taken or installed).
    private func snapshotTaken(bytes: Int) {
        nextSnapshotThresholdBytes = Self.drawSnapshotThreshold(
            configuration, newestSnapshotBytes: bytes, &thresholdDraws)
    }

    /// A threshold in [top − spread, top]: the top is 90 % of the maximum or, if larger,
    /// ``Configuration/snapshotLogRatioPercent`` of the newest snapshot's size; the spread is
    /// ``Configuration/snapshotThresholdSpreadPercent`` of the maximum, or of the ratio's top
    /// (the top without a spread).
    static func drawSnapshotThreshold(
        _ configuration: Configuration, newestSnapshotBytes: Int = 0, _ draws: inout SplitMix64
    ) -> Int {
        var top = configuration.snapshotThresholdBytes
        var spread = configuration.snapshotThresholdSpreadBytes
        let proportional = newestSnapshotBytes / 100 * configuration.snapshotLogRatioPercent
        if configuration.maxRaftStateBytes > 0 && proportional > top {
            top = proportional
            spread = proportional / 100 * configuration.snapshotThresholdSpreadPercent
        }
        guard spread > 0 else { return top }
        return top - Int(draws.next() % UInt64(spread + 1))
    }
}
