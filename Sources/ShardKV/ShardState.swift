/// One shard as a group holds it; each case carries only the data valid in that state.
///
/// Transitions (all made by applying log commands, so every replica makes them at the same
/// log index):
///
/// - `absent` → `serving` (InstallConfig: the shard is ours and had no owner before),
///   `absent` → `pulling` (InstallConfig: the shard is ours, another group owned it before).
/// - `pulling` → `gcPending` (InsertShards with the data, for the current configuration).
/// - `gcPending` → `serving` (ShardsGarbageCollected: the previous owner dropped its copy).
/// - `serving` → `bePulled` (InstallConfig: the shard is no longer ours; we stop serving it
///   at once and keep the data for the new owner).
/// - `bePulled` → `absent` (DeleteShards: the new owner confirmed it holds the data).
/// - `serving` → `retained` (InstallConfig: the shard is no longer ours and no group owns it,
///   because every group left; we keep the data, unserved, for whoever owns it next).
/// - `retained` → `serving` (InstallConfig: the shard is ours again), `retained` → `bePulled`
///   (InstallConfig: another group owns it now and pulls it from us, its last holder).
///
/// A configuration is installed only when every shard is `absent`, `serving` or `retained`, so
/// the states always refer to the current configuration and the one before it.
package enum ShardState: Sendable, Equatable {
    case absent
    case serving(ShardStore)
    case pulling
    case bePulled(ShardStore)
    case gcPending(ShardStore)
    case retained(ShardStore)

    /// The data-free view (`nil` for `absent`).
    package var status: ShardStatus? {
        switch self {
        case .absent: nil
        case .serving: .serving
        case .pulling: .pulling
        case .bePulled: .bePulled
        case .gcPending: .gcPending
        case .retained: .retained
        }
    }

    /// The shard's data, in every state that holds it.
    package var store: ShardStore? {
        switch self {
        case .absent, .pulling: nil
        case .serving(let store), .bePulled(let store), .gcPending(let store), .retained(let store): store
        }
    }
}
