public import RSM
public import ShardController
import RPCCore
import RPCProtobuf

/// The deterministic state of one ShardKV replica group (6.824 Lab 4B): which configuration the
/// group is in, every shard it holds with its ``ShardStatus``, and each held shard's data and
/// de-duplication table. Sans-I/O: it takes log commands and answers queries; the driver polls
/// the controller, moves shards between groups and proposes the commands.
///
/// Invariants (every replica reaches the same state at the same log index):
///
/// - Configurations are installed one at a time, in order: `InstallConfig(c)` applies only if
///   `c.num == currentConfig.num + 1` and no shard is `pulling`, `bePulled` or `gcPending`
///   (``isMigrating``); otherwise it is ignored (`.ok` for an already-installed number,
///   `.notReady` for a future one or while migrating).
/// - Client operations are answered only for shards `serving` or `gcPending` (owned in the
///   current configuration, data present); any other shard answers `.wrongGroup`. A shard the
///   group loses stops being served in the same command that installs the configuration, and
///   shards whose ownership did not change keep serving throughout (challenge 2).
/// - `InsertShards`, `DeleteShards` and `ShardsGarbageCollected` act only for the current
///   configuration number and only on shards in the matching state, so duplicates and late
///   deliveries are no-ops (`.ok` for past configurations, `.notReady` for future ones).
/// - A moved shard's data is deleted from its previous owner only after the new owner has
///   logged it (`DeleteShards`, challenge 1), and the new owner stays `gcPending` (blocking the
///   next configuration) until the previous owner confirmed, so no copy is left behind.
/// - De-duplication is per shard (`ShardStore`): the client session travels inside the
///   command, and a shard's session records move with its data, so a write applied by the
///   previous owner is recognised as a duplicate by the new owner. The RSM envelope's own
///   session must therefore be unused (client id 0) for ShardKV commands.
/// - Snapshots list shards ascending by number, pairs by key and sessions by client id: equal
///   states give identical bytes.
///
/// - A shard that a configuration assigns to no group (gid 0: the controller does this only when
///   every group has left) is never dropped: its last owner keeps it `retained` (unserved, not
///   blocking later configurations), and ``sources`` remembers that group, so the next owner
///   pulls from it however many configurations later that is. A shard is created empty only if
///   no configuration ever gave it an owner.
public struct ShardKVStateMachine: CopyOnWriteStateMachine {
    /// Default for ``maxSessionsPerShard``: far above the number of clients the labs run.
    public static let defaultMaxSessionsPerShard = 10_000

    /// This replica group's id (non-zero).
    public let gid: UInt64
    /// Per-shard limit of de-duplication records (oldest evicted first; see `SessionTable`).
    public let maxSessionsPerShard: Int
    /// The configuration the group is in (#0 until the first InstallConfig).
    public private(set) var currentConfig = ShardConfig()
    /// The configuration before ``currentConfig``.
    public private(set) var previousConfig = ShardConfig()
    /// Where each shard's data was when ``currentConfig`` was installed, as a configuration:
    /// `shards[i]` is the group that held shard `i` then (its owner in the latest configuration
    /// before the current one that gave it an owner; ``ShardConfig/noGroup`` if none ever did)
    /// and `groups` has those groups' servers (remembered even after they left). Pulls and
    /// deletions go there. It equals ``previousConfig`` on every shard some group owned in it.
    public private(set) var sources = ShardConfig()
    /// Indexed by shard number; ``ShardConfig/shardCount`` entries.
    package private(set) var shards: [ShardState] = Array(repeating: .absent, count: ShardConfig.shardCount)

    public init(gid: UInt64, maxSessionsPerShard: Int = ShardKVStateMachine.defaultMaxSessionsPerShard) {
        precondition(gid != ShardConfig.noGroup, "a replica group's gid is not \(ShardConfig.noGroup)")
        precondition(maxSessionsPerShard >= 1, "maxSessionsPerShard must be at least 1, not \(maxSessionsPerShard)")
        self.gid = gid
        self.maxSessionsPerShard = maxSessionsPerShard
    }

    // MARK: Queries for drivers and tests (pure)

    /// The status of `shard` (`nil` if the group holds nothing for it).
    public func status(ofShard shard: Int) -> ShardStatus? { shards[shard].status }

    /// Whether `shard` answers client operations now.
    public func isServing(shard: Int) -> Bool {
        switch shards[shard] {
        case .serving, .gcPending: true
        case .absent, .pulling, .bePulled, .retained: false
        }
    }

    /// Whether a reconfiguration is in progress (some shard pulling, bePulled or gcPending).
    public var isMigrating: Bool {
        shards.contains { state in
            switch state {
            case .absent, .serving, .retained: false
            case .pulling, .bePulled, .gcPending: true
            }
        }
    }

    /// The number of the configuration the driver should fetch and log next (`nil` while a
    /// migration is in progress: the driver keeps polling but proposes nothing).
    public var nextConfigNum: UInt64? { isMigrating ? nil : currentConfig.num + 1 }

    /// Whether `InstallConfig(config)` would take effect if applied now.
    public func mayInstall(_ config: ShardConfig) -> Bool { config.num == nextConfigNum }

    /// The shards to pull, grouped by the group holding their data (``sources``; ascending gid
    /// and shard). The driver sends `PullShards(configNum, shards)` to each and proposes
    /// `InsertShards` with the data a `.ready` answer carries.
    public var pullTasks: [ShardTransfer] { transfers { if case .pulling = $0 { true } else { false } } }

    /// The shards whose previous holder (in ``sources``) still keeps a copy, grouped by that
    /// holder. The driver sends `DeleteShards(configNum, shards)` to each and, on `.ok`,
    /// proposes `ShardsGarbageCollected` for them.
    public var garbageCollectionTasks: [ShardTransfer] {
        transfers { if case .gcPending = $0 { true } else { false } }
    }

    /// Answers another group's PullShards: the requested shards' data if this group is in
    /// configuration `configNum` and holds all of them as `bePulled`. Read-only. A `bePulled`
    /// shard's data never changes (no client operation applies to it), so every replica that
    /// answers `.ready` answers the same data: the driver may answer from any replica, a
    /// lagging one merely answers `.notReady`.
    public func answerPull(configNum: UInt64, shards requested: [Int]) -> ShardPullAnswer {
        guard configNum == currentConfig.num else { return .notReady(currentConfigNum: currentConfig.num) }
        var data: [ShardData] = []
        for shard in requested {
            guard (0..<ShardConfig.shardCount).contains(shard), case .bePulled(let store) = shards[shard] else {
                return .notReady(currentConfigNum: currentConfig.num)
            }
            data.append(store.data(shard: shard))
        }
        return .ready(data)
    }

    /// The value of `key` in the group's copy of its shard, whatever the shard's status
    /// (for checks; clients go through ``read(_:)``).
    public func storedValue(forKey key: [UInt8]) -> [UInt8]? {
        shards[key2shard(key)].store?.value(forKey: key)
    }

    /// Number of keys the group stores, over all shards it holds data for.
    public var storedKeyCount: Int { shards.reduce(0) { $0 + ($1.store?.count ?? 0) } }

    /// Number of keys the group stores for `shard` (0 if it holds no data for it).
    public func storedKeyCount(ofShard shard: Int) -> Int { shards[shard].store?.count ?? 0 }

    /// Client sessions in the de-duplication tables of the shards the group holds data for.
    public var sessionCount: Int { shards.reduce(0) { $0 + ($1.store?.sessions.count ?? 0) } }

    // MARK: Commands

    /// Applies one committed command found at log `index` (see the type's invariants).
    public mutating func execute(_ command: ShardKVCommand, index: UInt64) -> ShardKVCommandResult {
        switch command {
        case .clientOperation(let operation):
            let shard = key2shard(operation.key)
            // Each case first clears the slot so `store` holds the only reference to the shard's
            // tables and the write mutates them in place instead of copying the whole shard.
            switch shards[shard] {
            case .serving(var store):
                shards[shard] = .absent
                let result = store.apply(operation, index: index)
                shards[shard] = .serving(store)
                return result
            case .gcPending(var store):
                shards[shard] = .absent
                let result = store.apply(operation, index: index)
                shards[shard] = .gcPending(store)
                return result
            case .absent, .pulling, .bePulled, .retained:
                return ShardKVCommandResult(outcome: .wrongGroup)
            }
        case .installConfig(let config):
            return installConfig(config)
        case .insertShards(let configNum, let data):
            return forCurrentConfig(configNum) {
                for var shardData in data where $0.shards[shardData.shard] == .pulling {
                    // The records carry the previous holder's log indices, which mean nothing
                    // in this log: they count as written now (for eviction order).
                    for i in shardData.sessions.indices { shardData.sessions[i].lastIndex = index }
                    $0.shards[shardData.shard] = .gcPending(ShardStore(shardData, maxSessions: $0.maxSessionsPerShard))
                }
            }
        case .deleteShards(let configNum, let shardNumbers):
            return forCurrentConfig(configNum) {
                for shard in shardNumbers {
                    if case .bePulled = $0.shards[shard] { $0.shards[shard] = .absent }
                }
            }
        case .shardsGarbageCollected(let configNum, let shardNumbers):
            return forCurrentConfig(configNum) {
                for shard in shardNumbers {
                    if case .gcPending(let store) = $0.shards[shard] { $0.shards[shard] = .serving(store) }
                }
            }
        }
    }

    /// Get without a command (the ReadIndex path): same answer as applying it.
    public func read(_ key: [UInt8]) -> ShardKVCommandResult {
        let shard = key2shard(key)
        guard isServing(shard: shard), let store = shards[shard].store else {
            return ShardKVCommandResult(outcome: .wrongGroup)
        }
        return store.read(key)
    }

    private mutating func installConfig(_ config: ShardConfig) -> ShardKVCommandResult {
        if config.num <= currentConfig.num { return ShardKVCommandResult(outcome: .ok, configNum: currentConfig.num) }
        guard mayInstall(config) else { return ShardKVCommandResult(outcome: .notReady, configNum: currentConfig.num) }
        // Where each shard's data is now that every migration into the current configuration is
        // done: with its current owner, or, for a shard no group owns, where it was before.
        let holders = (0..<ShardConfig.shardCount).map { shard in
            currentConfig.shards[shard] != ShardConfig.noGroup ? currentConfig.shards[shard] : sources.shards[shard]
        }
        for shard in 0..<ShardConfig.shardCount {
            let owner = config.shards[shard]
            switch shards[shard] {
            case .serving(let store), .retained(let store):
                if owner == gid {
                    shards[shard] = .serving(store)
                } else {
                    shards[shard] = owner == ShardConfig.noGroup ? .retained(store) : .bePulled(store)
                }
            case .absent:
                guard owner == gid else { break }
                precondition(holders[shard] != gid, "gid \(gid) holds shard \(shard) but has no data for it")
                shards[shard] = holders[shard] == ShardConfig.noGroup
                    ? .serving(ShardStore(maxSessions: maxSessionsPerShard)) : .pulling
            case .pulling, .bePulled, .gcPending:
                preconditionFailure("installing config #\(config.num) while shard \(shard) is \(shards[shard])")
            }
        }
        var holderServers: [UInt64: [String]] = [:]
        for holder in Set(holders) where holder != ShardConfig.noGroup {
            holderServers[holder] = currentConfig.groups[holder] ?? sources.groups[holder] ?? []
        }
        sources = ShardConfig(num: currentConfig.num, shards: holders, groups: holderServers)
        previousConfig = currentConfig
        currentConfig = config
        return ShardKVCommandResult(outcome: .ok, configNum: currentConfig.num)
    }

    /// Runs `body` if `configNum` is the current configuration; past numbers are no-ops that
    /// answer `.ok` (the group only leaves a configuration once that work is done), future ones
    /// `.notReady`.
    private mutating func forCurrentConfig(
        _ configNum: UInt64, _ body: (inout ShardKVStateMachine) -> Void
    ) -> ShardKVCommandResult {
        if configNum > currentConfig.num {
            return ShardKVCommandResult(outcome: .notReady, configNum: currentConfig.num)
        }
        if configNum == currentConfig.num { body(&self) }
        return ShardKVCommandResult(outcome: .ok, configNum: currentConfig.num)
    }

    private func transfers(where matches: (ShardState) -> Bool) -> [ShardTransfer] {
        var shardsByGid: [UInt64: [Int]] = [:]
        for shard in 0..<ShardConfig.shardCount where matches(shards[shard]) {
            shardsByGid[sources.shards[shard], default: []].append(shard)
        }
        return shardsByGid.keys.sorted().map { gid in
            ShardTransfer(
                gid: gid, servers: sources.groups[gid] ?? [], configNum: currentConfig.num,
                shards: shardsByGid[gid] ?? [])
        }
    }

    // MARK: StateMachine

    /// Bytes that are not an `skv.shardkv.Command` apply as a no-op whose reply is
    /// `.invalidArgument`, identically on every replica.
    public mutating func apply(_ command: [UInt8], index: UInt64) -> [UInt8] {
        guard let command = try? ProtobufDeserializer<ShardKVCommand>().deserialize(command) else {
            return Self.encode(ShardKVCommandResult(outcome: .invalidArgument, configNum: currentConfig.num))
        }
        return Self.encode(execute(command, index: index))
    }

    /// Answers a Get command; anything else is not a query and answers `.invalidArgument`.
    public func query(_ query: [UInt8]) -> [UInt8] {
        guard let command = try? ProtobufDeserializer<ShardKVCommand>().deserialize(query),
            case .clientOperation(let operation) = command, operation.kind == .get
        else {
            return Self.encode(ShardKVCommandResult(outcome: .invalidArgument, configNum: currentConfig.num))
        }
        return Self.encode(read(operation.key))
    }

    public func snapshot() -> [UInt8] {
        var entries: [ShardKVStateSnapshot.Entry] = []
        for (shard, state) in shards.enumerated() {
            guard let status = state.status else { continue }
            let data = state.store?.data(shard: shard) ?? ShardData(shard: shard, pairs: [], sessions: [])
            entries.append(ShardKVStateSnapshot.Entry(status: status, data: data))
        }
        let snapshot = ShardKVStateSnapshot(
            current: currentConfig, previous: previousConfig, entries: entries, sources: sources)
        do {
            return try ProtobufSerializer<ShardKVStateSnapshot>().serialize(snapshot)
        } catch {
            preconditionFailure("a ShardKV state snapshot always encodes: \(error)")
        }
    }

    public mutating func restore(_ snapshot: [UInt8]) throws {
        let decoded = try ProtobufDeserializer<ShardKVStateSnapshot>().deserialize(snapshot)
        var restored: [ShardState] = Array(repeating: .absent, count: ShardConfig.shardCount)
        for entry in decoded.entries {
            let store = ShardStore(entry.data, maxSessions: maxSessionsPerShard)
            restored[entry.data.shard] = switch entry.status {
            case .serving: .serving(store)
            case .pulling: .pulling
            case .bePulled: .bePulled(store)
            case .gcPending: .gcPending(store)
            case .retained: .retained(store)
            }
        }
        let restoredSources = decoded.sources ?? decoded.previous
        // A shard this group holds (its owner, or for an unowned shard its last holder) must
        // come with data: the next InstallConfig relies on it. A snapshot without it is
        // corrupt, not a state this machine can reach.
        for shard in 0..<ShardConfig.shardCount {
            guard case .absent = restored[shard] else { continue }
            let owner = decoded.current.shards[shard]
            let holder = owner != ShardConfig.noGroup ? owner : restoredSources.shards[shard]
            guard holder != gid else {
                throw RPCError(
                    code: .invalidArgument,
                    message: "A ShardKV snapshot in which gid \(gid) holds shard \(shard) but has no entry for it.")
            }
        }
        currentConfig = decoded.current
        previousConfig = decoded.previous
        sources = restoredSources
        shards = restored
    }

    static func encode(_ result: ShardKVCommandResult) -> [UInt8] {
        do {
            return try ProtobufSerializer<ShardKVCommandResult>().serialize(result)
        } catch {
            preconditionFailure("a command result always encodes: \(error)")
        }
    }
}
