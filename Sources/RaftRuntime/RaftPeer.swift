import Raft
import RPCCore
import RPCProtobuf

/// Runs one Raft peer: owns a `RaftNode` on an actor, drives it with ticks, persists through a
/// ``RaftStateStore`` before sending, talks to the other peers through `skv.raft.Raft`, and
/// delivers committed commands and snapshots on ``applyStream``.
///
/// The lab API: ``propose(_:)`` (Start), ``state()`` (GetState), ``snapshot(index:data:)``
/// (Snapshot) and ``kill()`` (Kill); the peer serves `Step` as a ``RaftServiceProtocol``.
///
/// Contracts:
/// - Every `Ready` is handled synchronously inside the actor in the order the core requires
///   (persist, then send, then apply, then advance); nothing awaits in between, so actor
///   re-entrancy cannot interleave two Readies.
/// - An incoming `Step` RPC's reply carries the answers addressed back to its sender, so a
///   request and its response travel as one RPC (as AppendEntries does in the paper).
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
        /// Longest a `Step` RPC may take before it counts as failed; `nil` for no local
        /// deadline, only over a transport that ends every call in bounded time by itself
        /// (the simulated network in virtual time, where a real-time deadline cannot work).
        public var rpcTimeout: Duration? = .seconds(10)
        /// Seed of the peer's election-timeout randomness.
        public var seed: UInt64 = 1
        /// Whether a new leader appends an empty entry of its term (see
        /// `Raft.Config.appendsNoopOnElection`); `false` gives the labs' index numbering.
        public var appendsNoopOnElection = true
        /// The clock the tick loop sleeps on; a deterministic simulation passes its virtual
        /// clock.
        public var clock: any Clock<Duration> = ContinuousClock()
        /// The executor the peer's own tasks (tick loop, outgoing RPCs) prefer; `nil` for the
        /// global one. A deterministic simulation passes its single-threaded executor, since
        /// unstructured tasks do not inherit the creator's task executor preference (SE-0417).
        public var taskExecutor: (any TaskExecutor)?

        public init() {}
    }

    public nonisolated let id: UInt64
    /// Committed commands and snapshots, in order.
    public nonisolated let applyStream: AsyncStream<ApplyMessage>
    private let applySink: AsyncStream<ApplyMessage>.Continuation
    private var node: RaftNode
    private let storage: MemoryStorage
    private let store: any RaftStateStore
    private let peers: [UInt64: RaftPeerClient]
    private let configuration: Configuration
    private var tickTask: Task<Void, Never>?
    private var killed = false
    private var inflight: [UInt64: Int] = [:]
    /// While handling a `Step` RPC: its sender, and the answers to return in its reply.
    private var replyTo: UInt64?
    private var replies: [Message] = []

    /// Creates a peer from the state in `store` (empty for a new peer). `peers` maps every
    /// other member's id to a client; ids are the members of the cluster.
    public init(
        id: UInt64, peers: [UInt64: RaftPeerClient], store: any RaftStateStore,
        configuration: Configuration = Configuration()
    ) throws {
        self.id = id
        self.peers = peers
        self.store = store
        self.configuration = configuration
        (applyStream, applySink) = AsyncStream.makeStream(of: ApplyMessage.self)
        storage = MemoryStorage(voters: ([id] + Array(peers.keys)).sorted())
        var applied: UInt64 = 0
        let snapshotBytes = store.readSnapshot()
        if !snapshotBytes.isEmpty {
            let snapshot = try ProtobufDeserializer<WireSnapshot>().deserialize(snapshotBytes).snapshot
            try storage.applySnapshot(snapshot)
            applied = snapshot.metadata.index
        }
        let stateBytes = store.readRaftState()
        if !stateBytes.isEmpty {
            let state = try ProtobufDeserializer<PersistentState>().deserialize(stateBytes)
            storage.append(state.entries.filter { $0.index > applied })
            storage.setHardState(state.hardState)
        }
        let config = Config(
            id: id, electionTimeoutTicks: configuration.electionTimeoutTicks,
            heartbeatIntervalTicks: configuration.heartbeatIntervalTicks,
            appendsNoopOnElection: configuration.appendsNoopOnElection, appliedIndex: applied,
            random: SplitMix64(seed: configuration.seed ^ (id &* 0x9E37_79B9_7F4A_7C15)))
        node = try RaftNode(config: config, storage: storage)
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

    /// Stops the peer: no more ticks, persistence, messages or applies.
    public func kill() {
        killed = true
        tickTask?.cancel()
        tickTask = nil
        applySink.finish()
    }

    /// Proposes a command; returns at once with the index it will have if committed, the
    /// current term, and whether this peer is the leader (if not, nothing was proposed).
    public func propose(_ command: [UInt8]) -> (index: UInt64, term: UInt64, isLeader: Bool) {
        guard !killed else { return (0, node.term, false) }
        do {
            let receipt = try node.propose(command)
            processReady()
            return (receipt.index, receipt.term, true)
        } catch {
            return (0, node.term, false)
        }
    }

    /// The current term and whether this peer believes it is the leader.
    public func state() -> (term: UInt64, isLeader: Bool) {
        (node.term, node.role == .leader)
    }

    /// Bytes of the persisted Raft state (the labs' `RaftStateSize`).
    public func raftStateSize() -> Int { store.readRaftState().count }

    /// The service has a snapshot of everything through `index`: the log up to it is
    /// discarded and the snapshot persisted with the Raft state.
    public func snapshot(index: UInt64, data: [UInt8]) {
        guard !killed, let current = try? storage.snapshot(), index > current.metadata.index,
            index <= node.appliedIndex
        else { return }
        guard let snapshot = try? storage.createSnapshot(index: index, data: data) else { return }
        try? storage.compact(index: index)
        persist(snapshot: snapshot)
    }

    // MARK: Step RPC

    public func step(_ request: StepRequest) throws -> StepResponse {
        guard !killed else { throw RPCError(code: .unavailable, message: "The Raft peer is stopped.") }
        replyTo = request.messages.first?.from
        replies = []
        defer {
            replyTo = nil
            replies = []
        }
        for message in request.messages where message.to == id { node.step(message) }
        processReady()
        return StepResponse(messages: replies)
    }

    // MARK: Driving the core

    private func tick() -> Bool {
        guard !killed else { return false }
        node.tick()
        processReady()
        return true
    }

    private func receive(_ messages: [Message], from peer: UInt64) {
        inflight[peer, default: 1] -= 1
        guard !killed else { return }
        for message in messages where message.to == id { node.step(message) }
        processReady()
    }

    private func failed(_ peer: UInt64) {
        inflight[peer, default: 1] -= 1
        guard !killed else { return }
        node.reportUnreachable(peer)
    }

    private func processReady() {
        while !killed && node.hasReady {
            let ready = node.ready()
            if let snapshot = ready.snapshot { try? storage.applySnapshot(snapshot) }
            storage.append(ready.entries)
            if let hardState = ready.hardState { storage.setHardState(hardState) }
            if ready.snapshot != nil || !ready.entries.isEmpty || ready.hardState != nil {
                persist(snapshot: ready.snapshot)
            }
            var outgoing: [UInt64: [Message]] = [:]
            for message in ready.messages {
                if message.to == replyTo && Self.isAnswer(message.type) {
                    replies.append(message)
                } else {
                    outgoing[message.to, default: []].append(message)
                }
            }
            // In peer order, not hash order: a simulation run must not depend on hashing.
            for (peer, messages) in outgoing.sorted(by: { $0.key < $1.key }) { send(messages, to: peer) }
            if let snapshot = ready.snapshot {
                applySink.yield(.snapshot(index: snapshot.metadata.index, term: snapshot.metadata.term, data: snapshot.data))
            }
            for entry in ready.committedEntries where entry.kind == .normal {
                applySink.yield(.command(index: entry.index, term: entry.term, data: entry.data))
            }
            node.advance(ready)
        }
    }

    static func isAnswer(_ type: Message.Kind) -> Bool {
        switch type {
        case .appendEntriesResponse, .requestVoteResponse, .preVoteResponse, .heartbeatResponse, .readIndexResponse:
            true
        default:
            false
        }
    }

    /// Writes the whole Raft state (and the snapshot, if it changed) to the store.
    private func persist(snapshot: Snapshot?) {
        let first = storage.firstIndex()
        let last = storage.lastIndex()
        let entries = last >= first ? ((try? storage.entries(from: first, to: last + 1, maxBytes: .max)) ?? []) : []
        let metadata = (try? storage.snapshot().metadata) ?? Snapshot.Metadata()
        let state = PersistentState(hardState: storage.persistedHardState, entries: entries, snapshot: metadata)
        guard let stateBytes = try? ProtobufSerializer<PersistentState>().serialize(state) else {
            preconditionFailure("the Raft state could not be encoded")
        }
        var snapshotBytes: [UInt8]?
        if let snapshot {
            snapshotBytes = try? ProtobufSerializer<WireSnapshot>().serialize(WireSnapshot(snapshot))
        }
        store.save(raftState: stateBytes, snapshot: snapshotBytes)
    }

    private func send(_ messages: [Message], to peer: UInt64) {
        guard let client = peers[peer] else { return }
        guard inflight[peer, default: 0] < configuration.maxInflightRPCsPerPeer else {
            node.reportUnreachable(peer)
            return
        }
        inflight[peer, default: 0] += 1
        let options = CallOptions(timeout: configuration.rpcTimeout)
        Task(executorPreference: configuration.taskExecutor) { [weak self] in
            do {
                let response = try await client.step(StepRequest(messages: messages), options: options)
                await self?.receive(response.messages, from: peer)
            } catch {
                await self?.failed(peer)
            }
        }
    }
}
