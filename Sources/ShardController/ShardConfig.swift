/// One configuration of the sharded service (6.824 Lab 4A's `Config`): which replica group
/// serves each shard, and the servers of every group.
///
/// Configuration #0 has no groups and every shard on gid 0 (no group). Each Join, Leave and
/// Move creates the next configuration, numbered consecutively. A value type: a configuration
/// handed out is a deep copy that later changes never touch.
public struct ShardConfig: Sendable, Hashable, CustomStringConvertible {
    /// The number of shards (the lab's `NShards`).
    public static let shardCount = 10

    /// The gid that means "no group" (every shard of configuration #0).
    public static let noGroup: UInt64 = 0

    /// This configuration's number.
    public var num: UInt64
    /// `shards[i]`: the gid serving shard `i` (``noGroup`` if none); ``shardCount`` entries.
    public var shards: [UInt64]
    /// Every group's servers, by gid (server lists keep their order).
    public var groups: [UInt64: [String]]

    /// - Precondition: `shards` has ``shardCount`` entries.
    public init(
        num: UInt64 = 0, shards: [UInt64] = Array(repeating: ShardConfig.noGroup, count: ShardConfig.shardCount),
        groups: [UInt64: [String]] = [:]
    ) {
        precondition(shards.count == Self.shardCount, "a configuration has \(Self.shardCount) shards")
        self.num = num
        self.shards = shards
        self.groups = groups
    }

    /// The gids of the groups, ascending.
    public var gids: [UInt64] { groups.keys.sorted() }

    /// How many shards each group serves (a group without shards counts 0).
    public var shardCountsByGroup: [UInt64: Int] {
        var counts = Dictionary(uniqueKeysWithValues: groups.keys.map { ($0, 0) })
        for gid in shards where groups[gid] != nil { counts[gid, default: 0] += 1 }
        return counts
    }

    /// Why this configuration cannot be acted on, or `nil` if it can: a shard assigned to a gid
    /// that is not among `groups`, or a group without servers. (The shard count is checked when
    /// a configuration is made or decoded.)
    public var inconsistency: String? {
        for (shard, gid) in shards.enumerated() where gid != Self.noGroup && groups[gid] == nil {
            return "configuration \(num) assigns shard \(shard) to gid \(gid), which has no servers listed"
        }
        for gid in gids where groups[gid]?.isEmpty ?? true {
            return "configuration \(num) lists gid \(gid) without servers"
        }
        return nil
    }

    public var description: String {
        let groupList = gids.map { "\($0): \(groups[$0] ?? [])" }.joined(separator: ", ")
        return "config #\(num) shards \(shards) groups [\(groupList)]"
    }
}
