/// Where a shard held by a group stands in the group's current reconfiguration (the data-free
/// view of `ShardState`; `skv.shardkv.ShardStatus` on the wire).
public enum ShardStatus: Sendable, Hashable, CaseIterable {
    /// Owned in the current configuration, data present: client operations are served.
    case serving
    /// Owned in the current configuration; the data is still with the previous owner.
    case pulling
    /// Owned in the previous configuration only: not served, data kept until the new owner
    /// confirms it holds a copy.
    case bePulled
    /// Owned and served; the previous owner has not yet confirmed that it deleted its copy.
    case gcPending
    /// Owned by no group in the current configuration (every group left); this group held it
    /// last and keeps the data, unserved, until a configuration gives the shard an owner again.
    case retained
}
