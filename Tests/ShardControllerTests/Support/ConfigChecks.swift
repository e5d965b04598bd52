import LabHarness
import ShardController

/// The Lab 4A tester's checks (`shardctrler/test_test.go`), throwing ``LabFailure`` like the
/// lab's `t.Fatalf`.
enum ConfigChecks {
    /// The lab's `check`: the latest configuration has exactly `gids` as groups; with at least
    /// one group every shard is on one of them; shard counts (0 for a group without shards)
    /// differ by at most 1.
    static func check(_ clerk: ShardCtrlerClerk, groups gids: [UInt64]) async throws {
        let config = try await clerk.query()
        guard config.groups.count == gids.count else {
            throw LabFailure("wanted \(gids.count) groups, got \(config.groups.count): \(config)")
        }
        for gid in gids where config.groups[gid] == nil {
            throw LabFailure("missing group \(gid): \(config)")
        }
        if !gids.isEmpty {
            for (shard, gid) in config.shards.enumerated() where config.groups[gid] == nil {
                throw LabFailure("shard \(shard) -> invalid group \(gid): \(config)")
            }
        }
        let counts = config.shardCountsByGroup.values
        if let max = counts.max(), let min = counts.min(), max > min + 1 {
            throw LabFailure("max \(max) too much larger than min \(min): \(config)")
        }
    }

    /// The lab's `check_same_config`: equal numbers, shards, gids, and server lists element by
    /// element.
    static func checkSameConfig(_ a: ShardConfig, _ b: ShardConfig) throws {
        guard a.num == b.num else { throw LabFailure("Num wrong: \(a.num) vs \(b.num)") }
        guard a.shards == b.shards else { throw LabFailure("Shards wrong: \(a.shards) vs \(b.shards)") }
        guard a.gids == b.gids else { throw LabFailure("number of Groups is wrong: \(a.gids) vs \(b.gids)") }
        for gid in a.gids {
            let (sa, sb) = (a.groups[gid] ?? [], b.groups[gid] ?? [])
            guard sa == sb else { throw LabFailure("servers of group \(gid) differ: \(sa) vs \(sb)") }
        }
    }

    /// The lab's server-list check: group `gid` of `config` has exactly `servers`, in order.
    static func checkServers(_ config: ShardConfig, gid: UInt64, _ servers: [String]) throws {
        guard config.groups[gid] == servers else {
            throw LabFailure("wrong servers for gid \(gid): \(config.groups[gid] ?? []) instead of \(servers)")
        }
    }

    /// After Joins (the intent of the lab's check, whose loop over gids 1…10 is vacuous): a
    /// shard `after` gives to a group that already existed `before` was already on it, i.e.
    /// Joins never move shards between existing groups. Returns how many shards were checked.
    @discardableResult
    static func checkMinimalTransfersAfterJoins(before: ShardConfig, after: ShardConfig) throws -> Int {
        var checked = 0
        for gid in before.gids {
            for shard in 0..<ShardConfig.shardCount where after.shards[shard] == gid {
                guard before.shards[shard] == gid else {
                    throw LabFailure("non-minimal transfer after Join()s: shard \(shard) moved to existing group \(gid)")
                }
                checked += 1
            }
        }
        return checked
    }

    /// After Leaves (the intent of the lab's vacuous check): every shard `before` had on a
    /// group that survives in `after` is still there. Returns how many shards were checked.
    @discardableResult
    static func checkMinimalTransfersAfterLeaves(before: ShardConfig, after: ShardConfig) throws -> Int {
        var checked = 0
        for gid in after.gids {
            for shard in 0..<ShardConfig.shardCount where before.shards[shard] == gid {
                guard after.shards[shard] == gid else {
                    throw LabFailure("non-minimal transfer after Leave()s: shard \(shard) left surviving group \(gid)")
                }
                checked += 1
            }
        }
        return checked
    }
}
