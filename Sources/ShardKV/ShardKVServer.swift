public import Logging
public import RPCCore
public import RSM
import RPCProtobuf
import ShardController

/// One replica of a ShardKV replica group (6.824 Lab 4B's `ShardKV`): the client API
/// (`skv.shardkv.ShardKV`) and the migration API other groups call (`skv.shardkv.ShardMigration`)
/// on a ``ReplicatedStateMachine`` running a ``ShardKVStateMachine`` over a Raft peer, plus the
/// ``ShardMigrationDriver`` that moves the group through the controller's configurations.
///
/// - **Get** takes ``ReplicatedStateMachine/read(_:)`` (Raft ReadIndex: linearizable, leader
///   only, no log entry); the state machine answers `.wrongGroup` unless the key's shard is
///   served now.
/// - **Put/Append/Delete** go through the log with the client's session *inside* the command, so
///   de-duplication is per shard and moves with the shard's data (the RSM's own session table
///   stays unused).
/// - **PullShards** is answered by any replica from its local state (a shard waiting to be
///   pulled is frozen, so every replica that has it answers the same data; a lagging one
///   answers `.notReady`). **DeleteShards** goes through the log.
/// - **Status** reports this replica's Raft role, applied configuration and each held shard.
///
/// Errors are RPC statuses as in `KVServer`: `INVALID_ARGUMENT` for oversized keys or values,
/// `UNAVAILABLE` once stopped, `RESOURCE_EXHAUSTED` when too many requests wait.
///
/// Lifecycle: create it with the replica's peer (and the snapshot it restarted from), register
/// it and the peer on the server's router, call ``start()``; on shutdown call ``stop()`` (which
/// ends the driver) and kill the peer.
public final class ShardKVServer: ShardKVServiceProtocol, ShardMigrationServiceProtocol, RegistrableRPCService,
    Sendable
{
    /// Limits and timings, each validated at construction.
    public struct Configuration: Sendable {
        /// Longest key accepted, in bytes.
        public var maxKeyBytes = 4_096
        /// Longest Put/Append value accepted, in bytes.
        public var maxValueBytes = 1 << 20
        /// Per-shard de-duplication records (see ``ShardKVStateMachine/maxSessionsPerShard``).
        public var maxSessionsPerShard = ShardKVStateMachine.defaultMaxSessionsPerShard
        /// The replicated state machine's limits (snapshot size, pending requests, timeouts).
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
        /// How often the driver asks the controller for the next configuration when idle.
        public var pollInterval: Duration = .milliseconds(100)
        /// Longest one PullShards/DeleteShards RPC to another group may take.
        public var migrationRPCTimeout: Duration = .seconds(1)
        /// Longest one controller query of the driver may take.
        public var controllerTimeout: Duration = .seconds(2)
        /// Where the driver logs configuration changes, moved shards and refused configurations.
        public var logger = Logger(label: "skv.shardkv")

        public init() {}
    }

    /// This replica group's id.
    public let gid: UInt64
    /// This replica's Raft id.
    public let id: UInt64
    public let configuration: Configuration
    private let log: any ReplicatedLog
    private let machine: ReplicatedStateMachine
    private let driver: ShardMigrationDriver

    /// - Parameters:
    ///   - controller: where the driver reads configurations (the replica's own controller
    ///     clerk; the driver makes one call at a time).
    ///   - makeClient: a client for another group's server, by the name the configuration lists
    ///     it under (an address in a deployment, an end name in the lab).
    /// - Throws: if `restoredSnapshot` does not decode.
    public init(
        gid: UInt64, id: UInt64, log: any ReplicatedLog, restoredSnapshot: RestoredSnapshot?,
        controller: any ShardConfigSource, makeClient: @escaping @Sendable (String) -> RPCClient,
        configuration: Configuration = Configuration()
    ) throws {
        precondition(configuration.maxKeyBytes >= 1, "maxKeyBytes must be at least 1")
        precondition(configuration.maxValueBytes >= 0, "maxValueBytes must not be negative")
        self.gid = gid
        self.id = id
        self.configuration = configuration
        self.log = log
        machine = try ReplicatedStateMachine(
            log: log,
            stateMachine: ShardKVStateMachine(gid: gid, maxSessionsPerShard: configuration.maxSessionsPerShard),
            restoredSnapshot: restoredSnapshot, configuration: configuration.replication)
        var logger = configuration.logger
        logger[metadataKey: "gid"] = "\(gid)"
        logger[metadataKey: "node"] = "\(id)"
        driver = ShardMigrationDriver(
            gid: gid, machine: machine, log: log, controller: controller, makeClient: makeClient,
            timing: ShardMigrationDriver.Timing(
                pollInterval: configuration.pollInterval, migrationRPCTimeout: configuration.migrationRPCTimeout,
                controllerTimeout: configuration.controllerTimeout, clock: configuration.replication.clock,
                taskExecutor: configuration.replication.taskExecutor),
            logger: logger)
    }

    /// Starts applying the log and the migration driver.
    public func start() async {
        await machine.start()
        await driver.start()
    }

    /// Stops the driver (waiting for its round to end) and the state machine; waiting requests
    /// fail with `UNAVAILABLE`. Kill the peer as well.
    public func stop() async {
        await driver.stop()
        await machine.stop()
    }

    public func registerMethods(with router: inout RPCRouter) {
        registerShardKVMethods(with: &router)
        registerShardMigrationMethods(with: &router)
    }

    /// A local look at the replica's shard state machine (tests and status pages; may lag).
    public func inspect<Result: Sendable>(_ body: @Sendable (ShardKVStateMachine) -> Result) async -> Result {
        await machine.inspect(ShardKVStateMachine.self) { machine, _ in body(machine) }
    }

    // MARK: skv.shardkv.ShardKV

    public func get(_ request: ShardKVGetRequest) async throws -> ShardKVGetReply {
        try validate(key: request.key)
        switch try await perform(request.command, read: true) {
        case .result(let result): return ShardKVGetReply(outcome: result.outcome, value: result.value)
        case .outcome(let outcome, let hint): return ShardKVGetReply(outcome: outcome, leader: hint)
        }
    }

    public func openSession(_ request: ShardKVOpenSessionRequest) async throws -> ShardKVWriteReply {
        try validate(key: request.key)
        return Self.writeReply(try await perform(try request.command(), read: false))
    }

    public func put(_ request: ShardKVPutRequest) async throws -> ShardKVWriteReply {
        try validate(key: request.key, value: request.value, session: request.session)
        return Self.writeReply(try await perform(request.command, read: false))
    }

    public func append(_ request: ShardKVAppendRequest) async throws -> ShardKVWriteReply {
        try validate(key: request.key, value: request.value, session: request.session)
        return Self.writeReply(try await perform(request.command, read: false))
    }

    public func delete(_ request: ShardKVDeleteRequest) async throws -> ShardKVWriteReply {
        try validate(key: request.key, session: request.session)
        return Self.writeReply(try await perform(request.command, read: false))
    }

    public func status(_ request: ShardKVStatusRequest) async throws -> ShardKVStatusReply {
        let (term, isLeader) = await log.state()
        let leader = isLeader ? id : await log.leaderHint()
        let commitIndex = await log.commitIndex()
        let (configNum, shards, appliedIndex) = await machine.inspect(ShardKVStateMachine.self) { machine, applied in
            let shards = (0..<ShardConfig.shardCount).compactMap { shard -> ShardKVStatusReply.Shard? in
                machine.status(ofShard: shard).map {
                    ShardKVStatusReply.Shard(shard: shard, status: $0, keys: UInt64(machine.storedKeyCount(ofShard: shard)))
                }
            }
            return (machine.currentConfig.num, shards, applied)
        }
        return ShardKVStatusReply(
            id: id, gid: gid, term: term, isLeader: isLeader, leader: leaderHint(leader), commitIndex: commitIndex,
            appliedIndex: appliedIndex, configNum: configNum, shards: shards)
    }

    // MARK: skv.shardkv.ShardMigration

    public func pullShards(_ request: PullShardsRequest) async throws -> PullShardsReply {
        await machine.inspect(ShardKVStateMachine.self) { machine, _ in
            PullShardsReply(
                machine.answerPull(configNum: request.configNum, shards: request.shards),
                configNum: machine.currentConfig.num)
        }
    }

    public func deleteShards(_ request: DeleteShardsRequest) async throws -> DeleteShardsReply {
        let command = ShardKVCommand.deleteShards(configNum: request.configNum, shards: request.shards)
        switch try await perform(command, read: false) {
        case .result(let result): return DeleteShardsReply(outcome: result.outcome)
        case .outcome(let outcome, let hint): return DeleteShardsReply(outcome: outcome, leader: hint)
        }
    }

    // MARK: Helpers

    typealias Answer = ServiceAnswer<ShardKVCommandResult, ShardKVOutcome>

    /// `INVALID_ARGUMENT` for a key or value over the limits, or a write numbered 0 (which only
    /// opens a session; the RSM envelope's own check does not see ShardKV's per-shard sessions).
    private func validate(key: [UInt8], value: [UInt8] = [], session: ClientSession? = nil) throws(RPCError) {
        if let session, session.sequence == SessionTable.openingSequence {
            throw RPCError(ReplicatedStateMachineError.openingSequenceOnWrite(session))
        }
        guard key.count <= configuration.maxKeyBytes else {
            throw RPCError(
                code: .invalidArgument,
                message: "The key is \(key.count) bytes; the limit is \(configuration.maxKeyBytes) bytes.")
        }
        guard value.count <= configuration.maxValueBytes else {
            throw RPCError(
                code: .invalidArgument,
                message: "The value is \(value.count) bytes; the limit is \(configuration.maxValueBytes) bytes.")
        }
    }

    /// Reads (`read`: the ReadIndex path) or logs `command` (with no RSM session: de-duplication
    /// is per shard, inside the command) and maps the outcome.
    private func perform(_ command: ShardKVCommand, read: Bool) async throws(RPCError) -> Answer {
        let addresses = configuration.memberAddresses
        return read
            ? try await machine.answer(reading: command, memberAddresses: addresses)
            : try await machine.answer(submitting: command, session: nil, memberAddresses: addresses)
    }

    private func leaderHint(_ leaderID: UInt64?) -> LeaderHint? {
        LeaderHint(leaderID: leaderID, memberAddresses: configuration.memberAddresses)
    }

    private static func writeReply(_ answer: Answer) -> ShardKVWriteReply {
        switch answer {
        case .result(let result): ShardKVWriteReply(outcome: result.outcome)
        case .outcome(let outcome, let hint): ShardKVWriteReply(outcome: outcome, leader: hint)
        }
    }
}
