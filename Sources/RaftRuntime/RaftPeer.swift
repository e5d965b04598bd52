import CoreMetrics
import Dispatch
public import Raft
public import Logging
import RPCCore
import RPCProtobuf
import Synchronization

/// Runs one Raft peer: owns a `RaftNode` on an actor, drives it with ticks, persists through a
/// ``RaftLogStore`` before sending, talks to the other peers through `skv.raft.Raft`, and
/// delivers committed commands and snapshots on ``applyStream``.
///
/// The lab API: ``propose(_:)`` (Start), ``state()`` (GetState), ``snapshot(index:data:)``
/// (Snapshot) and ``kill()`` (Kill); the peer serves `Step` as a ``RaftServiceProtocol``.
/// For services: ``status()``, ``readIndex(timeout:)`` and ``transferLeadership(to:)``.
///
/// Contracts:
/// - Every `Ready` is handled in the order the core requires (persist; then apply, reads and
///   send, in that order so that a waiting client is resumed before the sends run; then
///   advance), one at a time. With synchronous writes (the default) the whole `Ready` runs
///   inside one actor turn. With ``Configuration/writesStorageAsynchronously`` the write and
///   its fsync run on a dedicated serial queue while the actor goes on stepping messages and
///   proposals into the core (they join the next `Ready`: group commit); the rest of the
///   `Ready` runs when the write completes. No second `Ready` is taken before that. One
///   exception to "persist, then apply": a snapshot from the leader goes to the service when
///   its write starts (see `deliverSnapshotDuringItsWrite`); the answer to the leader still
///   waits for the write.
/// - Proposals do not handle their `Ready` at once: the first one schedules a flush, and
///   every proposal that reaches the actor before it runs joins the same `Ready` (one
///   persist, one fsync with ``DiskRaftStore``, one append per follower).
/// - If the store fails, the peer stops as if killed (no more votes, acknowledgements or
///   applies) and ``status()`` reports the error: a peer that cannot persist must not speak.
/// - An incoming `Step` RPC's reply carries the answers addressed back to its sender, so a
///   request and its response travel as one RPC (as AppendEntries does in the paper).
/// - Group commit: a `Step` steps its messages into the core, then yields the actor once, so
///   that `Step`s and proposals already queued join the same `Ready` (one persist, one
///   fsync); the answers produced for a sender go back in whichever of its pending `Step`
///   replies returns next.
/// - The apply stream is unbounded and never blocks the peer; the service may call
///   ``snapshot(index:data:)`` from inside its apply loop.
/// - On restart the service restores its own state from the persisted snapshot; applying
///   resumes at the snapshot's index + 1.
public actor RaftPeer: RaftServiceProtocol {
    public struct Configuration: Sendable {
        /// Time between two ticks of the Raft clock.
        public var tickInterval: Duration = .milliseconds(10)
        /// Election timeout in ticks (randomized per election in [T, 2T)).
        public var electionTimeoutTicks = 30
        /// Heartbeat interval in ticks (at most 10 heartbeats per second with the defaults).
        public var heartbeatIntervalTicks = 10
        /// RPCs to one peer that may be in flight at once; messages beyond are dropped (Raft
        /// retries them).
        public var maxInflightRPCsPerPeer = 64
        /// If set (at least 1), at most this many `Step` RPCs to one peer are in flight; messages produced
        /// meanwhile wait and leave together in one RPC when one returns. Under load this
        /// batches appends, so a follower persists (fsyncs) many entries at once. `nil` (the
        /// labs' behaviour): every `Ready` sends at once, up to `maxInflightRPCsPerPeer`.
        public var pipelinedRPCsPerPeer: Int? = nil
        /// With `pipelinedRPCsPerPeer`: messages that may wait for one peer. Past it (a peer
        /// whose RPC hangs: partitioned, paused), new messages to it are dropped and the peer
        /// is reported unreachable (Raft retries; the leader probes it instead of streaming).
        public var maxQueuedMessagesPerPeer = 1_024
        /// With `pipelinedRPCsPerPeer`: bytes of entries and snapshots that may wait for one
        /// peer (`Entry.approximateBytes` and snapshot data); past it, as for the message count.
        public var maxQueuedBytesPerPeer = 8 << 20
        /// With `pipelinedRPCsPerPeer`: RPCs that may be in flight to one peer beside its
        /// pipelined Steps, for heartbeats that go around a busy slot (see `send`; a snapshot
        /// transfer also counts). Past it heartbeats queue as other messages do. 32 heartbeats
        /// at the daemons' 100-ms interval keep a follower's leader in sight through a write of
        /// 3.2 s plus an election timeout; a hung peer holds no more than this many calls.
        public var maxRPCsOutsidePipelinePerPeer = 32
        /// Whether a leader sends its appends and heartbeats before persisting the `Ready`
        /// that made them, so its own fsync overlaps the followers' (Raft thesis §10.2.1).
        /// Safe because the core counts the leader's own copy towards a quorum only once the
        /// write is reported stable (`advance`): a commit always rests on a quorum of durable
        /// copies. Every other message (votes, acknowledgements) still leaves only after the
        /// write.
        public var leaderSendsBeforePersisting = true
        /// Whether the store's writes (append, fsync, compaction, close) run on a dedicated
        /// serial dispatch queue instead of blocking the peer's executor (etcd 3.6's
        /// asynchronous storage writes). The actor keeps stepping messages and proposals while
        /// a write is in flight; followers still answer only after their write, and the
        /// leader's own copy counts only once stable (see `leaderSendsBeforePersisting`). For
        /// a disk-backed store in a daemon; `false` keeps a simulation deterministic.
        public var writesStorageAsynchronously = false
        /// Longest a `Step` RPC may take before it counts as failed; `nil` for no local
        /// deadline, only over a transport that ends every call in bounded time by itself
        /// (the simulated network in virtual time, where a real-time deadline cannot work).
        public var rpcTimeout: Duration? = .seconds(10)
        /// The slowest link a snapshot is expected to cross, in bytes per second: a `Step`
        /// carrying a snapshot may take `rpcTimeout` plus its bytes at this rate. Conservative
        /// (a slow network, a busy receiver writing and fsyncing it) rather than loopback's.
        public var snapshotTransferBytesPerSecond = 8 << 20
        /// `nil` (the default, as in the simulated labs): a snapshot travels in its `Step`, as
        /// one message. A value: it travels alone, by `InstallSnapshot`, in chunks of at most
        /// this many data bytes, each encoded only when HTTP/2 flow control has room for it
        /// (`RaftPeerClient.installSnapshot`). A daemon sends 1 MiB chunks: as one message, a
        /// 118 MB snapshot was copied and encoded on the leader's event loop, stalling its
        /// heartbeats until the other members elected a new leader (bench-membership.sh).
        /// A member that does not serve `InstallSnapshot` (an older version) gets the `Step`.
        public var snapshotChunkBytes: Int?
        /// The executor a snapshot is sent from; `nil`: ``taskExecutor``. A daemon passes the
        /// global concurrent executor, so that cutting and encoding chunks stays off the event
        /// loop that runs the heartbeats and the client handlers.
        public var snapshotTaskExecutor: (any TaskExecutor)?
        /// Whether `Step`s to a member travel over one long-lived `StepStream` call to it
        /// (``StepStream``) instead of a unary call each; a member that does not serve it gets
        /// unary `Step`s. For a real transport (the stream's stall check, at ``rpcTimeout``,
        /// uses the continuous clock) with ``snapshotChunkBytes`` set, since a snapshot never
        /// rides the stream: it goes by `InstallSnapshot` (or a unary `Step`), so that appends
        /// and heartbeats do not queue behind it. `false` (the default): unary `Step`s.
        public var sendsOverStepStreams = false
        /// Seed of the peer's election-timeout randomness.
        public var seed: UInt64 = 1
        /// Whether a new leader appends an empty entry of its term (see
        /// `Raft.Config.appendsNoopOnElection`); `false` gives the labs' index numbering.
        public var appendsNoopOnElection = true
        /// When followers hear of a new commit index (`Raft.Config.CommitBroadcast`):
        /// `.immediate` (the default, the labs' message pattern) or `.nextTick` (the daemons:
        /// one `Step` per follower per commit fewer; with one `Step` in flight per follower it
        /// also kept the next entries' append waiting behind it).
        public var commitBroadcast: Config.CommitBroadcast = .immediate
        /// `nil` (the default): ``RaftPeer/readIndex(timeout:)`` confirms leadership with a
        /// heartbeat round per batch of reads. A value: a leader answers from its lease while
        /// it holds one, assuming members' clocks run at rates at most this many percent apart
        /// (clock-dependent; see `Raft.Config.ReadOnlyOption.leaseBased`). Every member must
        /// use the same.
        public var leaseReadsMaxClockDriftPercent: Int?
        /// Most ``RaftPeer/readIndex(timeout:)`` calls that may wait at once; more fail with
        /// ``RaftPeerError/tooManyPendingReads(limit:)``.
        public var maxPendingReads = 1024
        /// The clock the tick loop and read timeouts sleep on; a deterministic simulation
        /// passes its virtual clock.
        public var clock: any Clock<Duration> = ContinuousClock()
        /// The executor the peer's own tasks (tick loop, outgoing RPCs, read timeouts) prefer;
        /// `nil` for the global one. A deterministic simulation passes its single-threaded
        /// executor, since unstructured tasks do not inherit the creator's task executor
        /// preference (SE-0417).
        public var taskExecutor: (any TaskExecutor)?
        /// Where the peer logs leadership and term changes, snapshots, unreachable peers and a
        /// failed store (``RaftEventLog``); `nil` (the default, as in the simulated labs) logs
        /// nothing.
        public var logger: Logger?

        public init() {}
    }

    public nonisolated let id: UInt64
    /// Committed commands and snapshots, in order; each `Ready`'s as one batch.
    public nonisolated let applyStream: ApplyStream
    /// The snapshot the peer restarted from (nil for a new peer or one that never took a
    /// snapshot): the service restores its state from it before reading ``applyStream``,
    /// which continues at its index + 1.
    public nonisolated var restoredSnapshot: (index: UInt64, term: UInt64, data: [UInt8])? {
        restored.withLock { $0 }
    }
    private nonisolated let restored: Mutex<(index: UInt64, term: UInt64, data: [UInt8])?>
    private let applySink: ApplyStream.Sink
    var node: RaftNode
    /// Leadership, term, snapshot and reachability events for the operator's log.
    var eventLog: RaftEventLog
    private let storage: MemoryStorage
    private let store: any RaftLogStore
    /// With asynchronous writes: the queue every use of `store` after `init` runs on.
    private let storageQueue: DispatchQueue?
    /// With asynchronous writes and a store that offers one: writes the snapshots the service
    /// takes on `snapshotQueue`, so that `storageQueue` only releases the log afterwards (see
    /// ``snapshot(index:data:)``).
    private let snapshotWriter: (any RaftSnapshotWriter)?
    private let snapshotQueue: DispatchQueue?
    /// With a ``snapshotWriter``, chunked snapshots and a store that reads snapshots back: the
    /// newest snapshot's data is dropped from `storage` once its file is durable (≈ 110 MB per
    /// member at 1 M keys) and read back from the file only to send it (`send(_:to:)`).
    private let snapshotReader: (any RaftSnapshotReader)?
    /// Snapshots handed to ``snapshot(index:data:)`` whose compaction has not finished
    /// (asynchronous writes).
    private var compactionsInFlight = 0
    /// A write of the current `Ready` is on `storageQueue`; no other `Ready` is taken meanwhile.
    private var writeInFlight = false
    /// `Ready`s taken from the core, and those fully handled (persisted, sent, applied, advanced).
    private var startedReadies: UInt64 = 0
    private var finishedReadies: UInt64 = 0
    /// `Step` RPCs waiting for the `Ready` that carries their answers (by that `Ready`'s number).
    private var stepWaiters: [(ready: UInt64, continuation: CheckedContinuation<Void, Never>)] = []
    /// The store's persisted size as of the last completed write (asynchronous writes).
    private var storedRaftStateBytes = 0
    /// Clients of the other members (changes as members are added and removed).
    var peers: [UInt64: RaftPeerClient]
    /// Where members are reached, kept beside the core's membership (`RaftPeer+Membership.swift`).
    var addressBook: AddressBook {
        didSet { publishedAddresses.withLock { $0 = addressBook.addresses } }
    }
    /// ``addressBook``'s addresses for readers off the actor (``knownAddresses()``).
    private let publishedAddresses = Mutex<[UInt64: String]>([:])
    let addressBookStore: (any AddressBookStore)?
    let connector: RaftPeerConnector?
    /// Waiting ``changeMembership(_:force:timeout:)`` calls by the index of their entry.
    var pendingMembershipChanges: [UInt64: PendingMembershipChange] = [:]
    let configuration: Configuration
    private var tickTask: Task<Void, Never>?
    private(set) var killed = false
    private var inflight: [UInt64: Int] = [:]
    /// Of `inflight`: RPCs that take no `pipelinedRPCsPerPeer` slot (snapshots sent by
    /// `InstallSnapshot`, heartbeats that overtook a busy slot; see `send`).
    private var unpipelinedInFlight: [UInt64: Int] = [:]
    /// With ``Configuration/sendsOverStepStreams``: the stream to each member sent to so far.
    var stepStreams: [UInt64: StepStream] = [:]
    /// Snapshots on their way to followers (see `RaftPeer+Snapshot.swift`).
    var snapshotTransfers = SnapshotTransfers()
    /// Messages waiting for an in-flight RPC to their peer to return (`pipelinedRPCsPerPeer`).
    var queued: [UInt64: [Message]] = [:]
    /// Bytes of entries and snapshots in `queued`, per peer (bounded by `maxQueuedBytesPerPeer`).
    var queuedBytes: [UInt64: Int] = [:]
    /// `Step` RPCs being handled, by sender, and the answers waiting for one of their replies.
    private var pendingSteps: [UInt64: Int] = [:]
    private var stepReplies: [UInt64: [Message]] = [:]
    /// Whether a task to handle the proposals' `Ready` is queued.
    private var flushScheduled = false
    /// Whether the peer stopped because a member told it that it was removed from the group
    /// (its address book now says so, and a daemon on its directory refuses to start).
    public internal(set) var wasRemovedFromGroup = false
    /// Why the store failed, if it did (the peer is then stopped).
    private var storeFailure: RaftStoreError?
    private var storeClosed = false
    /// ``waitUntilStopped()`` callers, resumed when the peer stops.
    private var stopWaiters: [CheckedContinuation<Void, Never>] = []
    /// Pending ``readIndex(timeout:)`` calls by request context.
    var pendingReads: [UInt64: PendingRead] = [:]
    var nextReadID: UInt64 = 0
    /// ``Configuration/clock`` as elapsed time: the reads' deadlines.
    let readClock: ElapsedClock
    /// Reads a quorum confirmed whose read index is not yet on the apply stream (read id →
    /// read index).
    var confirmedReads: [UInt64: UInt64] = [:]
    /// The highest log index handed to the apply stream's producer (commands, no-ops and
    /// snapshots alike; every entry up to it is delivered).
    var deliveredIndex: UInt64 = 0
    /// The index of the last command or snapshot yielded on the apply stream (or of the
    /// snapshot the peer restarted from): what ``readIndex(timeout:)`` returns. Skipped entries
    /// (no-ops, membership changes) do not move it: the state at it answers the read all the same,
    /// and a service that counts only commands need not wait for them.
    var lastYieldedIndex: UInt64 = 0
    /// The index of a snapshot from the leader already handed to the service while its write
    /// is in flight (asynchronous writes): `finish` does not hand it over again.
    private var snapshotDeliveredDuringWrite: UInt64?
    /// Event counters and histograms (see ``RaftPeerMetrics``).
    let metrics = RaftPeerMetrics()

    /// Creates a peer from the state in a whole-blob `store` (the labs' Persister; empty for
    /// a new peer). `peers` maps every other member's id to a client; ids are the members of
    /// the cluster.
    public init(
        id: UInt64, peers: [UInt64: RaftPeerClient], store: any RaftStateStore,
        configuration: Configuration = Configuration()
    ) throws {
        let voters = ([id] + Array(peers.keys)).sorted()
        try self.init(
            id: id, peers: peers, logStore: BlobRaftLogStore(store, voters: voters), configuration: configuration)
    }

    /// Creates a peer from the state in `logStore` (empty for a new peer), which it then
    /// owns. `peers` maps every other member's id to a client; ids are the members of the
    /// cluster.
    ///
    /// - Throws: ``RaftStoreError`` if the stored state cannot be loaded; `ConfigError`.
    public init(
        id: UInt64, peers: [UInt64: RaftPeerClient], logStore: sending any RaftLogStore,
        configuration: Configuration = Configuration(), membership: MembershipSetup? = nil
    ) throws {
        precondition(
            (configuration.pipelinedRPCsPerPeer ?? 1) >= 1 && configuration.maxPendingReads >= 1,
            "pipelinedRPCsPerPeer and maxPendingReads must be at least 1")
        precondition(
            configuration.maxQueuedMessagesPerPeer >= 1 && configuration.maxQueuedBytesPerPeer >= 1,
            "maxQueuedMessagesPerPeer and maxQueuedBytesPerPeer must be at least 1")
        self.id = id
        let initialVoters = ([id] + Array(peers.keys)).sorted()
        var peers = peers
        let book = membership?.addressBook ?? AddressBook(initialVoters: initialVoters, addresses: [:])
        if let connector = membership?.connector {
            for (member, address) in book.addresses where member != id && peers[member] == nil
                && !book.removed.contains(member)
            {
                peers[member] = connector.connect(member, address)
            }
        }
        self.peers = peers
        addressBook = book
        publishedAddresses.withLock { $0 = book.addresses }
        addressBookStore = membership?.store
        connector = membership?.connector
        self.store = logStore
        self.configuration = configuration
        readClock = ElapsedClock(configuration.clock)
        storageQueue = configuration.writesStorageAsynchronously ? DispatchQueue(label: "skv.raft.storage.\(id)") : nil
        snapshotWriter = configuration.writesStorageAsynchronously ? logStore.snapshotWriter : nil
        snapshotQueue = snapshotWriter == nil ? nil : DispatchQueue(label: "skv.raft.snapshots.\(id)")
        snapshotReader =
            snapshotWriter != nil && configuration.snapshotChunkBytes != nil ? logStore.snapshotReader : nil
        (applyStream, applySink) = ApplyStream.makeStream()
        // The membership before the first change entry: a joining node's is unknown (it
        // takes its group's from the log or a snapshot).
        storage = MemoryStorage(
            confState: membership == nil
                ? ConfState(voters: initialVoters)
                : book.initialVoters.isEmpty ? .unknown : ConfState(voters: book.initialVoters))
        let persisted = try logStore.load()
        var applied: UInt64 = 0
        if let snapshot = persisted.snapshot, snapshot.metadata.index > 0 {
            try storage.applySnapshot(snapshot)
            applied = snapshot.metadata.index
            restored = Mutex((snapshot.metadata.index, snapshot.metadata.term, snapshot.data))
            if snapshotReader != nil { storage.releaseSnapshotData(index: snapshot.metadata.index) }
        } else {
            restored = Mutex(nil)
        }
        deliveredIndex = applied
        lastYieldedIndex = applied
        storage.append(persisted.entries.filter { $0.index > applied })
        if !persisted.hardState.isEmpty { storage.setHardState(persisted.hardState) }
        let config = Config(
            id: id, electionTimeoutTicks: configuration.electionTimeoutTicks,
            heartbeatIntervalTicks: configuration.heartbeatIntervalTicks,
            appendsNoopOnElection: configuration.appendsNoopOnElection,
            readOnlyOption: configuration.leaseReadsMaxClockDriftPercent.map { .leaseBased(maxClockDriftPercent: $0) }
                ?? .safe,
            maxPendingReadIndexRequests: configuration.maxPendingReads, appliedIndex: applied,
            random: SplitMix64(seed: configuration.seed ^ (id &* 0x9E37_79B9_7F4A_7C15)),
            driverReportsSnapshots: true, commitBroadcast: configuration.commitBroadcast)
        node = try RaftNode(config: config, storage: storage)
        eventLog = RaftEventLog(logger: configuration.logger, term: node.term)
        storedRaftStateBytes = logStore.raftStateBytes
    }

    /// The service restored its state from ``restoredSnapshot``: the peer drops it
    /// (``restoredSnapshot`` is `nil` afterwards), so its bytes do not stay in memory.
    public nonisolated func releaseRestoredSnapshot() {
        restored.withLock { $0 = nil }
    }

    /// Starts the tick loop.
    public func start() {
        guard tickTask == nil, !killed else { return }
        let interval = configuration.tickInterval
        let clock = configuration.clock
        tickTask = Task(executorPreference: configuration.taskExecutor) { [weak self] in
            while !Task.isCancelled {
                // A sleep fails only when cancelled (or when a simulation is over).
                guard (try? await clock.sleep(for: interval)) != nil else { return }
                guard let self, await self.tick() else { return }
            }
        }
    }

    /// Stops the peer: no more ticks, persistence, messages or applies. Closes the store
    /// (releasing its files, so a new peer may open them).
    public func kill() {
        if !killed { stop() }
        if !storeClosed {
            storeClosed = true
            if let storageQueue {
                // Snapshot files being written finish first (each then queues its log release),
                // then the write in flight (at most one) and those releases.
                snapshotQueue?.sync {}
                let store = StoreReference(store)
                storageQueue.sync { store.value.close() }
            } else {
                store.close()
            }
        }
    }

    /// Stops ticking, sending and applying; fails pending reads.
    private func stop() {
        killed = true
        tickTask?.cancel()
        tickTask = nil
        for stream in stepStreams.values { stream.close() }
        stepStreams = [:]
        applySink.finish()
        failPendingReads(.stopped)
        failMembershipChanges(.stopped)
        resumeStepWaiters(all: true)
        let waiters = stopWaiters
        stopWaiters = []
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the peer has stopped, because it was killed or because its store failed,
    /// with the store error that stopped it (nil after ``kill()``). Not cancellable by itself:
    /// a caller that must give up kills the peer (see the daemon's lifecycle service).
    public func waitUntilStopped() async -> RaftStoreError? {
        if !killed { await withCheckedContinuation { stopWaiters.append($0) } }
        return storeFailure
    }

    /// Proposes a command; returns at once with the index it will have if committed, the
    /// current term, and whether this peer is the leader (if not, nothing was proposed).
    public func propose(_ command: [UInt8]) -> (index: UInt64, term: UInt64, isLeader: Bool) {
        guard !killed else { return (0, node.term, false) }
        do {
            let receipt = try node.propose(command)
            metrics.proposals.increment()
            scheduleFlush()
            return (receipt.index, receipt.term, true)
        } catch {
            return (0, node.term, false)
        }
    }

    /// Every member's address as this peer's address book has it now; callable from any
    /// thread (a service's leader hints read it per reply).
    public nonisolated func knownAddresses() -> [UInt64: String] { publishedAddresses.withLock { $0 } }

    /// The current term and whether this peer believes it is the leader.
    public func state() -> (term: UInt64, isLeader: Bool) {
        (node.term, node.role == .leader)
    }

    /// Bytes of the persisted Raft state (the labs' `RaftStateSize`).
    public func raftStateSize() -> Int { storageQueue == nil ? store.raftStateBytes : storedRaftStateBytes }

    /// Whether a snapshot taken by ``snapshot(index:data:)`` is still being written and the
    /// log through it not yet released (asynchronous writes; never with synchronous ones).
    public func snapshotInProgress() -> Bool { compactionsInFlight > 0 }

    /// A consistent view of this peer's Raft state (one actor turn).
    public func status() -> RaftPeerStatus {
        RaftPeerStatus(
            id: id, term: node.term, isLeader: node.role == .leader && !killed,
            leaderID: node.leader == 0 ? nil : node.leader, commitIndex: node.commitIndex,
            appliedIndex: node.appliedIndex, snapshotIndex: (try? storage.snapshot().metadata.index) ?? 0,
            lastIndex: node.lastIndex, isStopped: killed, storeFailure: storeFailure,
            pendingReads: pendingReads.count, snapshotBytesInMemory: storage.snapshotDataBytes)
    }

    /// Leader only: hands leadership to `target` (Raft thesis §3.10). Returns once the
    /// transfer has started; it completes when `target` wins the election it starts at once,
    /// and is abandoned after an election timeout. Proposals fail meanwhile.
    public func transferLeadership(to target: UInt64) throws(RaftPeerError) {
        guard !killed else { throw .stopped }
        do {
            try node.transferLeadership(to: target)
        } catch {
            throw RaftPeerError(error)
        }
        processReady()
    }

    /// The service has a snapshot of everything through `index`: the log up to it is
    /// discarded and the snapshot persisted with the Raft state.
    public func snapshot(index: UInt64, data: [UInt8]) {
        guard !killed, let current = try? storage.snapshot(), index > current.metadata.index,
            index <= node.appliedIndex
        else { return }
        // The address book travels with the snapshot: a member that learns the membership
        // from it (it missed the changes, compacted away) also learns where the members are.
        guard let snapshot = try? storage.createSnapshot(index: index, data: data, context: addressBook.encoded())
        else { return }
        metrics.snapshotsTaken.increment()
        metrics.snapshotTakenBytes.increment(by: data.count)
        eventLog.snapshotTaken(index: index, bytes: data.count)
        try? storage.compact(index: index)
        if storageQueue != nil { compactionsInFlight += 1 }
        if let storageQueue, let snapshotQueue, let snapshotWriter {
            // The file is encoded, written and fsynced beside the log's appends (as long as
            // hundreds of them at 1 M keys: behind it on one queue they stalled the group);
            // the log through `index` is released only once it is durable.
            let store = StoreReference(store)
            snapshotQueue.async {
                let written = Result { () throws(RaftStoreError) in try snapshotWriter.write(snapshot) }
                storageQueue.async {
                    let result = Result { () throws(RaftStoreError) in
                        try written.get()
                        try store.value.compactWritten(snapshot: snapshot)
                        return store.value.raftStateBytes
                    }
                    Task(executorPreference: self.configuration.taskExecutor) {
                        await self.compacted(result, snapshotIndex: index)
                    }
                }
            }
            return
        }
        if let storageQueue {
            let store = StoreReference(store)
            storageQueue.async {
                let result = Result { () throws(RaftStoreError) in
                    try store.value.compact(snapshot: snapshot)
                    return store.value.raftStateBytes
                }
                Task(executorPreference: self.configuration.taskExecutor) { await self.compacted(result) }
            }
            return
        }
        do {
            try store.compact(snapshot: snapshot)
        } catch {
            storeFailed(error)
        }
    }

    /// A compaction finished; with `snapshotIndex`, the snapshot at that index is durable and
    /// its data may leave memory (see ``snapshotReader``).
    private func compacted(_ result: Result<Int, RaftStoreError>, snapshotIndex: UInt64? = nil) {
        compactionsInFlight -= 1
        switch result {
        case .success(let bytes):
            storedRaftStateBytes = bytes
            releaseSnapshotData(snapshotIndex)
        case .failure(let error): if !killed { storeFailed(error) }
        }
    }

    /// Drops the snapshot data at `index` from `storage` when its file can be read back.
    private func releaseSnapshotData(_ index: UInt64?) {
        guard let index, snapshotReader != nil else { return }
        storage.releaseSnapshotData(index: index)
    }

    // MARK: Step RPC

    public func step(_ request: StepRequest) async throws -> StepResponse {
        guard !killed else { throw RPCError(code: .unavailable, message: "The Raft peer is stopped.") }
        let sender = request.messages.first?.from ?? 0
        try refuseRemovedSender(sender)
        pendingSteps[sender, default: 0] += 1
        defer {
            pendingSteps[sender, default: 1] -= 1
            if pendingSteps[sender] == 0 {
                pendingSteps[sender] = nil
                // Answers nobody can carry any more go out as RPCs of their own.
                if let orphans = stepReplies.removeValue(forKey: sender), !killed { send(orphans, to: sender) }
            }
        }
        let timing = StageTiming.shared
        let start = timing.isEnabled ? timing.now() : 0
        // The first Ready taken from now on carries the answers to these messages.
        let answering = startedReadies + 1
        stepNode(request.messages)
        if storageQueue == nil {
            // Let queued Steps and proposals join this Ready (group commit). With asynchronous
            // writes they join the next Ready while this one's write is in flight instead.
            await Task.yield()
        }
        processReady()
        if writeInFlight && finishedReadies < answering {
            await withCheckedContinuation { stepWaiters.append((answering, $0)) }
        }
        timing.record("step: handled", since: start)
        // A peer whose store just failed must not answer (its vote or ack is not durable).
        guard !killed else { throw RPCError(code: .unavailable, message: "The Raft peer is stopped.") }
        return StepResponse(messages: stepReplies.removeValue(forKey: sender) ?? [])
    }

    // MARK: Driving the core

    /// Steps the core with the messages addressed to this peer; logs each one it drops as
    /// malformed (see `RaftNode.droppedMessages`).
    private func stepNode(_ messages: [Message]) {
        for message in messages where message.to == id {
            let dropped = node.droppedMessages
            node.step(message)
            if node.droppedMessages != dropped {
                eventLog.messageDropped(node.lastDropReason, count: node.droppedMessages)
            }
        }
    }

    private func tick() -> Bool {
        guard !killed else { return false }
        node.tick()
        expireStepStreams()
        processReady()
        expireReads()
        expireMembershipChanges()
        return true
    }

    private func receive(
        _ messages: [Message], from peer: UInt64, snapshot: SnapshotTransfers.Transfer?, unpipelined: Bool = false
    ) {
        inflight[peer, default: 1] -= 1
        if unpipelined { unpipelinedInFlight[peer, default: 1] -= 1 }
        guard !killed else { return }
        eventLog.stepAnswered(by: peer)
        if let waiting = dequeue(peer) { send(waiting, to: peer) }
        stepNode(messages)
        if let snapshot { snapshotTransferSucceeded(snapshot, to: peer) }
        processReady()
    }

    private func failed(
        _ peer: UInt64, snapshot: SnapshotTransfers.Transfer?, unpipelined: Bool = false, error: any Error
    ) {
        inflight[peer, default: 1] -= 1
        if unpipelined { unpipelinedInFlight[peer, default: 1] -= 1 }
        guard !killed else { return }
        if learnedOwnRemoval(from: peer, error: error) { return }
        eventLog.stepFailed(to: peer, error: error)
        node.reportUnreachable(peer)
        if let snapshot { snapshotTransferFailed(snapshot, to: peer) }
        if let waiting = dequeue(peer) { send(waiting, to: peer) }
    }

    /// Fails the requests of each stalled step stream, as a unary call's deadline would.
    private func expireStepStreams() {
        guard let timeout = configuration.rpcTimeout else { return }
        for (peer, stream) in stepStreams {
            let count = stream.expire(olderThan: timeout)
            guard count > 0 else { continue }
            stepStreamFailed(
                peer, count: count,
                error: RPCError(code: .deadlineExceeded, message: "No answer on the Step stream within \(timeout)."))
        }
    }

    private func stepStreamFailed(_ peer: UInt64, count: Int, error: any Error) {
        for _ in 0..<count where !killed { failed(peer, snapshot: nil, error: error) }
    }

    /// The stream to `peer`, created at its first use.
    private func stepStream(to peer: UInt64, through client: RaftPeerClient) -> StepStream {
        if let stream = stepStreams[peer] { return stream }
        let stream = StepStream(client: client, executor: configuration.taskExecutor) { [weak self] event in
            switch event {
            case .answered(let response): await self?.receive(response.messages, from: peer, snapshot: nil)
            case .failed(let count, let error): await self?.stepStreamFailed(peer, count: count, error: error)
            }
        }
        stepStreams[peer] = stream
        return stream
    }

    private func scheduleFlush() {
        if storageQueue != nil {
            // Proposals that arrive while a write is in flight join the next Ready; the first
            // one after an idle period goes out at once.
            processReady()
            return
        }
        guard !flushScheduled else { return }
        flushScheduled = true
        Task(executorPreference: configuration.taskExecutor) { await self.flush() }
    }

    private func flush() async {
        // Let proposals already queued on the actor join this Ready.
        await Task.yield()
        flushScheduled = false
        processReady()
    }

    func storeFailed(_ error: RaftStoreError) {
        eventLog.storeFailed(error)
        storeFailure = error
        stop()
    }

    /// Takes and handles `Ready`s until the core has none (or, with asynchronous writes, until
    /// one's write is in flight: ``persisted(_:_:)`` goes on from there).
    func processReady() {
        while !killed && !writeInFlight && node.hasReady {
            var ready = node.ready()
            startedReadies += 1
            if eventLog.observe(term: ready.hardState?.term, softState: ready.softState) {
                metrics.leaderChanges.increment()
            }
            let timing = StageTiming.shared
            if timing.isEnabled && node.role == .leader {
                for entry in ready.entries { timing.mark("write: ready taken", index: entry.index) }
            }
            if configuration.leaderSendsBeforePersisting && node.role == .leader && !ready.messages.isEmpty {
                let early = ready.messages.filter { $0.type == .appendEntries || $0.type == .heartbeat }
                if !early.isEmpty {
                    ready.messages.removeAll { $0.type == .appendEntries || $0.type == .heartbeat }
                    for (peer, messages) in Dictionary(grouping: early, by: \.to).sorted(by: { $0.key < $1.key }) {
                        send(messages, to: peer)
                    }
                }
            }
            if let snapshot = ready.snapshot { try? storage.applySnapshot(snapshot) }
            storage.append(ready.entries)
            if let hardState = ready.hardState { storage.setHardState(hardState) }
            if ready.snapshot != nil || !ready.entries.isEmpty || ready.hardState != nil {
                if let storageQueue {
                    // A Ready that needs no sync (only the commit index changed: committed
                    // entries are durable on a quorum already, and a lost commit index is
                    // learnt again from the leader) is written in order on the queue but not
                    // waited for, so applying committed entries does not wait for a write.
                    let waits = ready.mustSync || ready.snapshot != nil || !ready.entries.isEmpty
                    if waits { writeInFlight = true }
                    let store = StoreReference(store)
                    let write = ready
                    storageQueue.async {
                        let result = Result { () throws(RaftStoreError) in
                            try store.value.persist(
                                hardState: write.hardState, entries: write.entries, snapshot: write.snapshot,
                                mustSync: write.mustSync)
                            return store.value.raftStateBytes
                        }
                        if waits {
                            Task(executorPreference: self.configuration.taskExecutor) { await self.persisted(write, result) }
                        } else if case .failure(let error) = result {
                            Task(executorPreference: self.configuration.taskExecutor) { await self.unsyncedWriteFailed(error) }
                        }
                    }
                    if waits {
                        if let snapshot = ready.snapshot { deliverSnapshotDuringItsWrite(snapshot) }
                        return
                    }
                    finish(ready)
                    continue
                }
                do {
                    try store.persist(
                        hardState: ready.hardState, entries: ready.entries, snapshot: ready.snapshot,
                        mustSync: ready.mustSync)
                } catch {
                    storeFailed(error)
                    return
                }
            }
            finish(ready)
        }
    }

    /// The write of `ready` completed (asynchronous writes): handles the rest of it, then the
    /// next `Ready` (everything stepped meanwhile).
    private func persisted(_ ready: Ready, _ result: Result<Int, RaftStoreError>) {
        writeInFlight = false
        guard !killed else { return }
        switch result {
        case .success(let bytes):
            storedRaftStateBytes = bytes
        case .failure(let error):
            storeFailed(error)
            return
        }
        finish(ready)
        processReady()
        resumeStepWaiters(all: !writeInFlight)
    }

    /// Hands a snapshot from the leader to the service while its write runs on the storage
    /// queue, instead of after: the service decodes it (≈ 1 s for 1 M keys) while the file is
    /// written and fsynced (≈ 0.6 s for its 118 MB), not one after the other.
    ///
    /// Why this is safe: a snapshot the leader sends holds only committed entries, which are
    /// durable on a quorum already, so the service may apply it before this member has it on
    /// disk, as any member may apply a committed entry before it has written it (the applied
    /// state is volatile in Raft: a member that restarts rebuilds it from its disk). What must
    /// wait for the write is what this member *says*: its answer to the leader (which lets the
    /// leader count the snapshot as stored here) leaves in `finish`, after the write, as
    /// before. If the write fails the peer stops (as for any store failure); if the machine
    /// dies first, the member restarts from its old, consistent disk state. The apply stream
    /// stays in log order: every earlier `Ready`'s applies were yielded before this one was
    /// taken, and no other `Ready` is taken while its write is in flight (`writeInFlight`);
    /// the `Ready`'s committed entries (above the snapshot) still go in `finish`.
    private func deliverSnapshotDuringItsWrite(_ snapshot: Snapshot) {
        let index = snapshot.metadata.index
        applySink.yield(.snapshot(index: index, term: snapshot.metadata.term, data: snapshot.data))
        snapshotDeliveredDuringWrite = index
        deliveredIndex = max(deliveredIndex, index)
        lastYieldedIndex = index
    }

    /// A write not waited for (commit index only) failed: the store is unusable.
    private func unsyncedWriteFailed(_ error: RaftStoreError) {
        if !killed { storeFailed(error) }
    }

    /// Everything of a `Ready` after its write: messages, applies, reads, `advance`.
    private func finish(_ ready: Ready) {
        let timing = StageTiming.shared
        if timing.isEnabled && node.role == .leader {
            for entry in ready.entries { timing.mark("write: leader persisted", index: entry.index) }
        }
        if let softState = ready.softState, softState.role != .leader { failPendingReads(.leadershipLost) }
        var outgoing: [UInt64: [Message]] = [:]
        for message in ready.messages {
            if pendingSteps[message.to] != nil && Self.isAnswer(message.type) {
                stepReplies[message.to, default: []].append(message)
            } else {
                outgoing[message.to, default: []].append(message)
            }
        }
        // Everything this Ready delivers, handed to the service as one batch (see ApplyStream).
        var applies: [ApplyMessage] = []
        applies.reserveCapacity(ready.committedEntries.count + (ready.snapshot == nil ? 0 : 1))
        if let snapshot = ready.snapshot {
            guard recordSnapshotMembership(snapshot.metadata) else { return }
            metrics.snapshotsInstalled.increment()
            eventLog.snapshotInstalled(
                index: snapshot.metadata.index, snapshotTerm: snapshot.metadata.term, bytes: snapshot.data.count)
            if snapshotDeliveredDuringWrite != snapshot.metadata.index {
                applies.append(
                    .snapshot(index: snapshot.metadata.index, term: snapshot.metadata.term, data: snapshot.data))
            }
            snapshotDeliveredDuringWrite = nil
            // Persisted already (this Ready's write is done), so the file can serve later sends.
            releaseSnapshotData(snapshot.metadata.index)
            deliveredIndex = max(deliveredIndex, snapshot.metadata.index)
            lastYieldedIndex = snapshot.metadata.index
        }
        for entry in ready.committedEntries {
            timing.mark("write: committed", index: entry.index)
            switch entry.kind {
            case .normal:
                applies.append(.command(index: entry.index, term: entry.term, data: entry.data))
                lastYieldedIndex = entry.index
            case .noop:
                applies.append(.skipped(index: entry.index, term: entry.term))
            case .configChange:
                // The address book is saved before the change is in force here (`advance`).
                guard recordMembershipChange(entry) else {
                    applySink.yield(contentsOf: applies)
                    return
                }
                applies.append(.skipped(index: entry.index, term: entry.term))
            }
            deliveredIndex = max(deliveredIndex, entry.index)
        }
        applySink.yield(contentsOf: applies)
        // After the entries: a read is answered once everything up to its index is on the
        // apply stream.
        completeReads(ready.readStates)
        // The messages after the applies and reads: each resumption above and each send below
        // enqueues a job on the peer's executor, and a client waits on the former (committed
        // entries need nothing from these messages; the Ready is persisted already). In peer
        // order, not hash order: a simulation run must not depend on hashing.
        for (peer, messages) in outgoing.sorted(by: { $0.key < $1.key }) { send(messages, to: peer) }
        node.advance(ready)
        finishedReadies += 1
        settleMembershipChanges(ready.committedEntries)
    }

    /// Resumes the `Step`s whose answers left (all of them when nothing is in flight any more,
    /// or the peer stopped).
    private func resumeStepWaiters(all: Bool) {
        guard !stepWaiters.isEmpty else { return }
        let done = stepWaiters.filter { all || $0.ready <= finishedReadies }
        stepWaiters.removeAll { all || $0.ready <= finishedReadies }
        for waiter in done { waiter.continuation.resume() }
    }

    /// Messages and payload bytes waiting for `peer` (tests).
    func queuedForPeer(_ peer: UInt64) -> (messages: Int, bytes: Int) {
        (queued[peer]?.count ?? 0, queuedBytes[peer] ?? 0)
    }

    /// The messages waiting for `peer`, removed from the queue.
    private func dequeue(_ peer: UInt64) -> [Message]? {
        queuedBytes[peer] = nil
        return queued.removeValue(forKey: peer)
    }

    /// What a message carries that counts against `maxQueuedBytesPerPeer`.
    static func payloadBytes(_ message: Message) -> Int {
        message.entries.reduce(0) { $0 + $1.approximateBytes } + (message.snapshot?.data.count ?? 0)
    }

    static func isAnswer(_ type: Message.Kind) -> Bool {
        switch type {
        case .appendEntriesResponse, .requestVoteResponse, .preVoteResponse, .heartbeatResponse, .readIndexResponse:
            true
        default:
            false
        }
    }

    /// A heartbeat that carries no read request: what keeps a follower's election timer from
    /// running out, and nothing else.
    static func isPlainHeartbeat(_ message: Message) -> Bool {
        message.type == .heartbeat && message.context.isEmpty
    }

    /// Sends `messages` to `peer` in one RPC, or queues them behind the Step in flight
    /// (`pipelinedRPCsPerPeer`). `outsidePipeline`: at once, by a unary Step, taking no slot.
    private func send(_ messages: [Message], to peer: UInt64, outsidePipeline: Bool = false) {
        guard let client = peers[peer] else { return }
        if configuration.snapshotChunkBytes != nil, messages.count > 1,
            let i = messages.firstIndex(where: { $0.snapshot != nil })
        {
            // The snapshot goes alone by InstallSnapshot; the heartbeats and appends with it
            // must not wait behind its transfer.
            var others = messages
            let snapshot = others.remove(at: i)
            send(others, to: peer)
            send([snapshot], to: peer)
            return
        }
        // A snapshot sent by InstallSnapshot takes no pipelined slot: its transfer may last
        // seconds, and the heartbeats queued behind it would let the follower's election timer
        // run out meanwhile (it would lose its leader and call a pre-vote while the snapshot is
        // still arriving). The core sends no appends to a follower waiting for a snapshot
        // (`Progress` paused in `.snapshot`), so only heartbeats and answers overtake it.
        let carriesSnapshot = messages.contains { $0.snapshot != nil }
        let unpipelined = outsidePipeline || (carriesSnapshot && configuration.snapshotChunkBytes != nil)
        if !unpipelined, let limit = configuration.pipelinedRPCsPerPeer,
            inflight[peer, default: 0] - unpipelinedInFlight[peer, default: 0] >= limit
        {
            // Plain heartbeats do not wait for the slot: the Step holding it is answered only
            // after the follower's write in flight (a snapshot of 100 MB and more, a slow
            // fsync), and a follower that hears nothing for an election timeout loses its
            // leader and calls a pre-vote. A heartbeat is stepped as it arrives, which resets
            // the timer, whatever the follower is writing. It goes by a unary Step (a Step
            // stream is answered in order, behind the slow Step); overtaking the queued
            // appends is harmless (its commit index is at most the follower's known match).
            // Read rounds' heartbeats (a context) still queue, batching rounds as before, and
            // so do plain ones past `maxRPCsOutsidePipelinePerPeer` (a hung peer).
            var messages = messages
            if unpipelinedInFlight[peer, default: 0] < configuration.maxRPCsOutsidePipelinePerPeer,
                messages.contains(where: Self.isPlainHeartbeat)
            {
                send(messages.filter(Self.isPlainHeartbeat), to: peer, outsidePipeline: true)
                messages.removeAll(where: Self.isPlainHeartbeat)
                if messages.isEmpty { return }
            }
            let bytes = messages.reduce(0) { $0 + Self.payloadBytes($1) }
            guard queued[peer, default: []].count + messages.count <= configuration.maxQueuedMessagesPerPeer,
                queuedBytes[peer, default: 0] + bytes <= configuration.maxQueuedBytesPerPeer
            else {
                // The peer has not answered for a long while: what waits for it is stale (a
                // later round carries the same entries again), so stop piling it up.
                node.reportUnreachable(peer)
                dropped(messages, to: peer)
                return
            }
            queued[peer, default: []].append(contentsOf: messages)
            queuedBytes[peer, default: 0] += bytes
            return
        }
        guard inflight[peer, default: 0] < configuration.maxInflightRPCsPerPeer else {
            node.reportUnreachable(peer)
            dropped(messages, to: peer)
            return
        }
        inflight[peer, default: 0] += 1
        if unpipelined { unpipelinedInFlight[peer, default: 0] += 1 }
        metrics.recordSent(messages)
        if configuration.sendsOverStepStreams, !unpipelined, !carriesSnapshot,
            stepStream(to: peer, through: client).send(StepRequest(messages: messages))
        {
            return
        }
        let options = callOptions(for: messages)
        let snapshot = startSnapshotTransfer(messages, to: peer)
        let timing = StageTiming.shared
        let start = timing.isEnabled ? timing.now() : 0
        if snapshot != nil, let chunkBytes = configuration.snapshotChunkBytes {
            let executor = configuration.snapshotTaskExecutor ?? configuration.taskExecutor
            // The data left memory once its file was durable (`snapshotReader`): read it back
            // here, off the peer's executor, for this transfer only. Whatever snapshot the
            // message names (it may have waited in the queue while a newer one replaced it; a
            // file no longer kept fails this transfer, and the core retries with the newer one).
            // A snapshot whose data is empty reads back as empty.
            let reader = messages[0].snapshot?.data.isEmpty == true ? snapshotReader : nil
            let configuration = configuration
            Task(executorPreference: executor) { [weak self] in
                do {
                    var message = messages[0]
                    var options = options
                    if let reader, let index = message.snapshot?.metadata.index {
                        message.snapshot = try reader.read(index: index)
                        options = Self.callOptions(for: [message], configuration: configuration)
                    }
                    let response = try await Self.installSnapshot(
                        message, chunkBytes: chunkBytes, through: client, options: options)
                    await self?.receive(response.messages, from: peer, snapshot: snapshot, unpipelined: true)
                } catch {
                    await self?.failed(peer, snapshot: snapshot, unpipelined: true, error: error)
                }
            }
            return
        }
        Task(executorPreference: configuration.taskExecutor) { [weak self] in
            do {
                timing.record("send: task started", since: start)
                let response = try await client.step(StepRequest(messages: messages), options: options)
                timing.record("send: step round trip", since: start)
                await self?.receive(response.messages, from: peer, snapshot: snapshot, unpipelined: unpipelined)
            } catch {
                await self?.failed(peer, snapshot: snapshot, unpipelined: unpipelined, error: error)
            }
        }
    }

    /// Sends `message` by `InstallSnapshot`, or by `Step` to a member that does not serve it.
    private nonisolated static func installSnapshot(
        _ message: Message, chunkBytes: Int, through client: RaftPeerClient, options: CallOptions
    ) async throws -> StepResponse {
        do {
            return try await client.installSnapshot(message, chunkBytes: chunkBytes, options: options)
        } catch let error as RPCError where error.code == .unimplemented {
            return try await client.step(StepRequest(messages: [message]), options: options)
        }
    }
}

/// The peer's store, handed to its storage queue.
///
/// `@unchecked Sendable` proof: with asynchronous writes every use of the store after the
/// peer's `init` (persist, compact, close, `raftStateBytes`) runs as a block on the peer's one
/// serial `storageQueue`, and the actor itself no longer touches it; so exactly one thread
/// uses the store at a time, in submission order. (Its `snapshotWriter`, taken in `init`, is
/// `Sendable` and by contract touches only the snapshot files.) With synchronous writes no
/// reference is made.
private struct StoreReference: @unchecked Sendable {
    let value: any RaftLogStore

    init(_ value: any RaftLogStore) {
        self.value = value
    }
}
