import RPCCore
import ShardController
import ShardKV

/// Test support: a shard controller the test scripts (the driver's and the clerk's
/// ``ShardConfigSource``). It keeps configurations #0…#n like the real controller (Query
/// semantics: a missing or too large number gives the latest), records every query, and can
/// answer a given number with another configuration (a stale or future one, or an inconsistent
/// one) or be unreachable.
actor ScriptedConfigSource: ShardConfigSource {
    private var configs = [ShardConfig()]
    private var substitutes: [UInt64: ShardConfig] = [:]
    private var unreachable = false
    /// Every query, in order (`nil`: the latest).
    private(set) var queries: [UInt64?] = []

    func config(_ num: UInt64?) async throws -> ShardConfig {
        queries.append(num)
        if unreachable { throw RPCError(code: .unavailable, message: "The scripted controller is unreachable.") }
        if let num, let substitute = substitutes[num] { return substitute }
        guard let num, num < UInt64(configs.count) else { return configs[configs.count - 1] }
        return configs[Int(num)]
    }

    /// The latest configuration.
    var latest: ShardConfig { configs[configs.count - 1] }

    /// Adds the next configuration: shard `i` to gid `shards[i]`, with `groups`' servers.
    @discardableResult
    func add(shards: [UInt64], groups: [UInt64: [String]]) -> ShardConfig {
        let config = ShardConfig(num: UInt64(configs.count), shards: shards, groups: groups)
        configs.append(config)
        return config
    }

    /// Adds the next configuration with every shard on `gid`.
    @discardableResult
    func add(allShardsTo gid: UInt64, groups: [UInt64: [String]]) -> ShardConfig {
        add(shards: Array(repeating: gid, count: ShardConfig.shardCount), groups: groups)
    }

    /// Replaces configuration `config.num` (which must exist), e.g. to fix an inconsistent one.
    func replace(_ config: ShardConfig) {
        precondition(config.num >= 1 && config.num < UInt64(configs.count), "no configuration #\(config.num)")
        configs[Int(config.num)] = config
    }

    /// Answers queries for `num` with `answer` (`nil`: the real configuration again).
    func substitute(_ answer: ShardConfig?, whenAskedFor num: UInt64) {
        substitutes[num] = answer
    }

    func setUnreachable(_ unreachable: Bool) {
        self.unreachable = unreachable
    }

    /// How many queries asked for `num` (`nil`: for the latest).
    func queryCount(for num: UInt64?) -> Int {
        queries.count { $0 == num }
    }
}
