import RaftRuntime
import RPCCore
public import RSM

/// One replica of the KV service: `skv.kv.KV` implemented on a ``ReplicatedStateMachine``
/// running a ``KVStateMachine`` over a Raft peer (6.824 Lab 3's `KVServer`).
///
/// Writes go through the Raft log with the client's session (applied exactly once); Gets take
/// ``ReplicatedStateMachine/read(_:)`` (by default Raft's ReadIndex: linearizable without a
/// log entry, answered by the leader only). Outcomes are
/// reply values: `.wrongLeader` (with a leader hint when the peer knows one) and `.timeout` tell
/// the clerk to retry elsewhere with the same session. Thrown errors become RPC statuses:
/// `INVALID_ARGUMENT` for a key or value over the configured limits (or a malformed request,
/// rejected by the deserializer before any of this runs), `UNAVAILABLE` once the replica is
/// stopped, `RESOURCE_EXHAUSTED` when too many requests wait, `FAILED_PRECONDITION` for a
/// session sequence older than the client's latest.
///
/// Lifecycle: create it with the replica's peer (and the snapshot it restarted from), register
/// it on the server's router next to the peer's Raft service, call ``start()``; on shutdown
/// kill the peer and call ``stop()``.
public final class KVServer: KVServiceProtocol, Sendable {
    /// Limits, each validated at construction.
    public struct Configuration: Sendable {
        /// Longest key accepted, in bytes.
        public var maxKeyBytes = 4_096
        /// Longest value (Put, Append, CompareAndSwap's new and expected values), in bytes.
        public var maxValueBytes = 1 << 20
        /// The replicated state machine's limits (snapshot size, sessions, pending requests,
        /// timeouts).
        public var replication = ReplicatedStateMachine.Configuration()
        /// Each member's client address ("host:port") by Raft id, read each time a leader hint
        /// is sent (`LeaderHint.address`, so a client that knows no ids can follow a redirect):
        /// the membership may change while the server runs (a daemon passes its Raft peer's
        /// ``RaftPeer/knownAddresses()``). Default: none, ids only.
        public var memberAddressLookup: @Sendable () -> [UInt64: String] = { [:] }

        /// A fixed set of member addresses (sets ``memberAddressLookup``).
        public var memberAddresses: [UInt64: String] {
            get { memberAddressLookup() }
            set { memberAddressLookup = { newValue } }
        }

        public init() {}
    }

    /// This replica's Raft id (reported by `Status`).
    public let id: UInt64
    public let configuration: Configuration
    private let log: any ReplicatedLog
    private let machine: ReplicatedStateMachine

    /// - Throws: if `restoredSnapshot` does not decode.
    public init(
        id: UInt64, log: any ReplicatedLog, restoredSnapshot: RestoredSnapshot?,
        configuration: Configuration = Configuration()
    ) throws {
        precondition(configuration.maxKeyBytes >= 1, "maxKeyBytes must be at least 1")
        precondition(configuration.maxValueBytes >= 0, "maxValueBytes must not be negative")
        self.id = id
        self.configuration = configuration
        self.log = log
        machine = try ReplicatedStateMachine(
            log: log, stateMachine: KVStateMachine(), restoredSnapshot: restoredSnapshot,
            configuration: configuration.replication)
    }

    /// Starts applying the log.
    public func start() async { await machine.start() }

    /// Stops serving: waiting requests fail with `UNAVAILABLE`. Kill the peer as well.
    public func stop() async { await machine.stop() }

    /// The replicated state machine's own status (applied and snapshot index, sessions).
    public func replicationStatus() async -> ReplicatedStateMachine.Status { await machine.status() }

    // MARK: skv.kv.KV

    public func get(_ request: GetRequest) async throws -> GetReply {
        let start = StageTiming.shared.isEnabled ? StageTiming.shared.now() : 0
        defer { StageTiming.shared.record("kv: get handler", since: start) }
        try validate(key: request.key)
        switch try await read(KVCommand(kind: .get, key: request.key)) {
        case .result(let result): return GetReply(outcome: result.outcome, value: result.value)
        case .outcome(let outcome, let hint): return GetReply(outcome: outcome, leader: hint)
        }
    }

    public func openSession(_ request: OpenSessionRequest) async throws -> WriteReply {
        let session = try request.openingSession()
        let addresses = configuration.memberAddresses
        return Self.writeReply(try await machine.answer(opening: session, memberAddresses: addresses))
    }

    public func put(_ request: PutRequest) async throws -> WriteReply {
        let start = StageTiming.shared.isEnabled ? StageTiming.shared.now() : 0
        defer { StageTiming.shared.record("kv: put handler", since: start) }
        try validate(key: request.key, values: request.value)
        let command = KVCommand(kind: .put, key: request.key, value: request.value)
        return Self.writeReply(try await submit(command, session: request.session))
    }

    public func append(_ request: AppendRequest) async throws -> WriteReply {
        try validate(key: request.key, values: request.value)
        let command = KVCommand(kind: .append, key: request.key, value: request.value)
        return Self.writeReply(try await submit(command, session: request.session))
    }

    public func delete(_ request: DeleteRequest) async throws -> WriteReply {
        try validate(key: request.key)
        return Self.writeReply(try await submit(KVCommand(kind: .delete, key: request.key), session: request.session))
    }

    public func compareAndSwap(_ request: CompareAndSwapRequest) async throws -> CompareAndSwapReply {
        try validate(key: request.key, values: request.value, request.expected)
        let command = KVCommand(
            kind: .compareAndSwap, key: request.key, value: request.value, expected: request.expected,
            expectAbsent: request.expectAbsent)
        switch try await submit(command, session: request.session) {
        case .result(let result):
            return CompareAndSwapReply(
                outcome: result.outcome, current: result.value, currentPresent: result.valuePresent)
        case .outcome(let outcome, let hint):
            return CompareAndSwapReply(outcome: outcome, leader: hint)
        }
    }

    public func status(_ request: StatusRequest) async throws -> StatusReply {
        let (term, isLeader) = await log.state()
        let leaderID = isLeader ? id : await log.leaderHint()
        let replication = await machine.status()
        let raftStateBytes = await log.raftStateSize()
        let commitIndex = await log.commitIndex()
        return StatusReply(
            id: id, term: term, isLeader: isLeader,
            leader: LeaderHint(leaderID: leaderID, memberAddresses: configuration.memberAddresses),
            commitIndex: commitIndex, appliedIndex: replication.appliedIndex, raftStateBytes: UInt64(raftStateBytes),
            snapshotIndex: replication.snapshotIndex)
    }

    /// A consistent copy of the whole state for a backup (leader only; see
    /// ``ReplicatedStateMachine/readSnapshot()``).
    public func snapshot(_ request: SnapshotRequest) async throws -> SnapshotReply {
        let outcome: SnapshotReadOutcome
        do {
            outcome = try await machine.readSnapshot()
        } catch {
            throw RPCError(error)
        }
        switch outcome {
        case .snapshot(let index, let data):
            return SnapshotReply(outcome: .ok, index: index, snapshot: data)
        case .wrongLeader(let hint):
            return SnapshotReply(
                outcome: .wrongLeader, leader: LeaderHint(leaderID: hint, memberAddresses: configuration.memberAddresses))
        case .timeout:
            return SnapshotReply(outcome: .timeout)
        }
    }

    // MARK: Helpers

    /// What a request came to: the state machine's result, or a retry outcome for the clerk.
    typealias Answer = ServiceAnswer<KVCommandResult, KVOutcome>

    private func validate(key: [UInt8], values: [UInt8]...) throws(RPCError) {
        guard key.count <= configuration.maxKeyBytes else {
            throw RPCError(
                code: .invalidArgument,
                message: "The key is \(key.count) bytes; the limit is \(configuration.maxKeyBytes) bytes.")
        }
        for value in values where value.count > configuration.maxValueBytes {
            throw RPCError(
                code: .invalidArgument,
                message: "The value is \(value.count) bytes; the limit is \(configuration.maxValueBytes) bytes.")
        }
    }

    private func submit(_ command: KVCommand, session: ClientSession?) async throws(RPCError) -> Answer {
        try await machine.answer(
            submitting: command, session: session, memberAddresses: configuration.memberAddresses)
    }

    private func read(_ command: KVCommand) async throws(RPCError) -> Answer {
        try await machine.answer(reading: command, memberAddresses: configuration.memberAddresses)
    }

    private static func writeReply(_ answer: Answer) -> WriteReply {
        switch answer {
        case .result(let result): WriteReply(outcome: result.outcome)
        case .outcome(let outcome, let hint): WriteReply(outcome: outcome, leader: hint)
        }
    }
}
