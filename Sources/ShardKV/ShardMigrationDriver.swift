import Logging
import RaftRuntime
import RPCCore
import RSM
import RPCProtobuf
import ShardController

/// The part of a ShardKV replica that moves the group through configurations (6.824 Lab 4B's
/// background loops). It runs on every replica but acts only while its Raft peer leads:
///
/// - **Configurations.** Asks the controller for ``ShardKVStateMachine/nextConfigNum`` and logs
///   `InstallConfig` when it exists; configurations are installed one at a time, in order.
///   A configuration that names a gid without servers is not installed (logged, retried).
/// - **Pulls.** For each ``ShardKVStateMachine/pullTasks`` entry, asks the holding group for the
///   shards (any replica may answer) and logs `InsertShards` with the data.
/// - **Garbage collection (challenge 1).** For each
///   ``ShardKVStateMachine/garbageCollectionTasks`` entry, asks the previous holder to delete
///   its copy and, once it confirmed, logs `ShardsGarbageCollected`.
///
/// One round does all three concurrently (pulls from different groups in parallel), each
/// bounded by one pass over the other group's replicas, and waits for them, so at most one pull
/// and one deletion per shard is ever in flight. A round that made progress is followed by the
/// next at once (a group far behind catches up quickly); otherwise the driver sleeps
/// ``Timing/pollInterval``. Unaffected shards are served throughout (the state machine
/// answers for them whatever the driver does). Every command carries its configuration number,
/// so a stale leader's late proposals change nothing.
///
/// Concurrency: an actor; ``start()`` runs the loop in a task that ``stop()`` cancels and awaits.
actor ShardMigrationDriver {
    /// Timings, validated at construction.
    struct Timing: Sendable {
        var pollInterval: Duration
        /// Longest one PullShards/DeleteShards RPC may take.
        var migrationRPCTimeout: Duration
        /// Longest one controller query may take before the round goes on without it.
        var controllerTimeout: Duration
        /// The clock polls and timeouts run on (the replicated state machine's).
        var clock: any Clock<Duration> = ContinuousClock()
        /// The executor the driver's loop prefers (the replicated state machine's).
        var taskExecutor: (any TaskExecutor)?
    }

    private let gid: UInt64
    private let machine: ReplicatedStateMachine
    private let log: any ReplicatedLog
    private let controller: any ShardConfigSource
    private let makeClient: @Sendable (String) -> RPCClient
    private let timing: Timing
    private let logger: Logger
    private var loop: Task<Void, Never>?
    /// Callers for the other groups, by their server list (kept while a task names them).
    private var callers: [[String]: ReplicaGroupCaller<ShardKVClient>] = [:]
    /// The last configuration refused as inconsistent (logged once).
    private var refusedConfigNum: UInt64?
    private let metrics = ShardMigrationMetrics()

    init(
        gid: UInt64, machine: ReplicatedStateMachine, log: any ReplicatedLog, controller: any ShardConfigSource,
        makeClient: @escaping @Sendable (String) -> RPCClient, timing: Timing, logger: Logger
    ) {
        precondition(timing.pollInterval > .zero && timing.migrationRPCTimeout > .zero && timing.controllerTimeout > .zero,
            "driver timings must be positive")
        self.gid = gid
        self.machine = machine
        self.log = log
        self.controller = controller
        self.makeClient = makeClient
        self.timing = timing
        self.logger = logger
    }

    func start() {
        guard loop == nil else { return }
        loop = Task(executorPreference: timing.taskExecutor) { await self.run() }
    }

    /// Cancels the loop and waits until it has ended (no RPC or proposal of it is left running).
    func stop() async {
        guard let loop else { return }
        loop.cancel()
        await loop.value
    }

    private func run() async {
        // Ends when the task is cancelled (``stop()``).
        while !Task.isCancelled {
            let progressed = await round()
            if !progressed { try? await timing.clock.sleep(for: timing.pollInterval) }
        }
    }

    /// What the state machine asks of the driver now.
    private struct Work: Sendable {
        var nextConfigNum: UInt64?
        var pulls: [ShardTransfer]
        var deletions: [ShardTransfer]
    }

    /// One round; returns whether any command it proposed took effect.
    func round() async -> Bool {
        guard await log.state().isLeader else { return false }
        let work = await machine.inspect(ShardKVStateMachine.self) { machine, _ in
            Work(
                nextConfigNum: machine.nextConfigNum, pulls: machine.pullTasks,
                deletions: machine.garbageCollectionTasks)
        }
        var used: [[String]: ReplicaGroupCaller<ShardKVClient>] = [:]
        func caller(for task: ShardTransfer) -> ReplicaGroupCaller<ShardKVClient> {
            let caller = used[task.servers] ?? callers[task.servers] ?? makeCaller(task.servers)
            used[task.servers] = caller
            return caller
        }
        let pulls = work.pulls.filter { !$0.servers.isEmpty }.map { ($0, caller(for: $0)) }
        let deletions = work.deletions.filter { !$0.servers.isEmpty }.map { ($0, caller(for: $0)) }
        callers = used
        return await withTaskGroup(of: Bool.self) { group in
            if let next = work.nextConfigNum { group.addTask { await self.installConfig(next) } }
            for (task, caller) in pulls { group.addTask { await self.pull(task, from: caller) } }
            for (task, caller) in deletions { group.addTask { await self.collectGarbage(task, at: caller) } }
            var progressed = false
            for await result in group { progressed = progressed || result }
            return progressed
        }
    }

    private func makeCaller(_ servers: [String]) -> ReplicaGroupCaller<ShardKVClient> {
        let makeClient = self.makeClient
        return ReplicaGroupCaller(
            replicas: servers.map {
                ReplicaGroupCaller.Replica(client: ShardKVClient(wrapping: makeClient($0)), address: $0)
            },
            policy: ReplicaGroupCaller.Policy(
                operationTimeout: nil, rpcTimeout: timing.migrationRPCTimeout, retryPause: .milliseconds(10),
                maxRounds: 1, clock: timing.clock),
            // Members added to the other group since its configuration (see ShardKVClerk).
            discover: { ShardKVClient(wrapping: makeClient($0)) })
    }

    // MARK: The three kinds of work

    private func installConfig(_ num: UInt64) async -> Bool {
        let config: ShardConfig
        do {
            config = try await withTimeout(timing.controllerTimeout, on: timing.clock) {
                try await self.controller.config(num)
            }
        } catch {
            logger.debug("controller query failed", metadata: ["config": "\(num)", "error": "\(error)"])
            return false
        }
        guard config.num == num else { return false }
        if let problem = config.inconsistency {
            if refusedConfigNum != num {
                refusedConfigNum = num
                logger.error("refusing an inconsistent configuration", metadata: ["problem": "\(problem)"])
            }
            return false
        }
        guard let result = await propose(.installConfig(config)), result.configNum == num else { return false }
        logger.info("installed configuration", metadata: ["gid": "\(gid)", "config": "\(config)"])
        return true
    }

    private func pull(_ task: ShardTransfer, from caller: ReplicaGroupCaller<ShardKVClient>) async -> Bool {
        let request = PullShardsRequest(configNum: task.configNum, shards: task.shards)
        let start = ElapsedClock(timing.clock)
        let reply: PullShardsReply
        do {
            reply = try await caller.perform({ try await $0.pullShards(request, options: $1) }) { reply in
                switch reply.outcome {
                case .ok: .final
                // A lagging replica of the holder answers NOT_READY: ask the next one.
                default: .retry
                }
            }
        } catch {
            logger.debug("pull failed", metadata: ["task": "\(task)", "error": "\(error)"])
            return false
        }
        guard reply.shards.map(\.shard) == task.shards else {
            logger.warning("pull answered other shards", metadata: ["task": "\(task)"])
            return false
        }
        guard let result = await propose(.insertShards(configNum: task.configNum, data: reply.shards)) else {
            return false
        }
        if result.outcome == .ok {
            metrics.recordPulled(reply.shards, after: start.now)
            logger.info("pulled shards", metadata: ["gid": "\(gid)", "task": "\(task)"])
        }
        return result.outcome == .ok
    }

    private func collectGarbage(_ task: ShardTransfer, at caller: ReplicaGroupCaller<ShardKVClient>) async -> Bool {
        let request = DeleteShardsRequest(configNum: task.configNum, shards: task.shards)
        do {
            _ = try await caller.perform({ try await $0.deleteShards(request, options: $1) }) { reply in
                switch reply.outcome {
                case .ok: .final
                case .wrongLeader: .wrongLeader(leaderID: reply.leader?.leaderID ?? 0, address: reply.leader?.address ?? "")
                default: .retry
                }
            }
        } catch {
            logger.debug("deletion failed", metadata: ["task": "\(task)", "error": "\(error)"])
            return false
        }
        guard let result = await propose(.shardsGarbageCollected(configNum: task.configNum, shards: task.shards)) else {
            return false
        }
        if result.outcome == .ok {
            logger.info("moved shards deleted at their previous holder", metadata: ["gid": "\(gid)", "task": "\(task)"])
        }
        return result.outcome == .ok
    }

    /// Logs `command` and returns its result once applied (`nil` if it was not: not leader,
    /// timeout, stopped).
    private func propose(_ command: ShardKVCommand) async -> ShardKVCommandResult? {
        guard let bytes = try? ProtobufSerializer<ShardKVCommand>().serialize(command),
            case .applied(let reply)? = try? await machine.submit(bytes, session: nil)
        else { return nil }
        return try? ProtobufDeserializer<ShardKVCommandResult>().deserialize(reply)
    }
}

/// Runs `body`, cancelling it after `limit` on `clock` (it must honour cancellation); waits for
/// it either way, so nothing of it outlives the call.
func withTimeout<Result: Sendable>(
    _ limit: Duration, on clock: any Clock<Duration>, _ body: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Result?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await clock.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let result = first else {
            throw RPCError(code: .deadlineExceeded, message: "No answer within \(limit).")
        }
        return result
    }
}
