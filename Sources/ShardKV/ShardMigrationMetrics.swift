import CoreMetrics
import RPCCore

/// What a group's ``ShardMigrationDriver`` records about the shards it pulls in (no-ops unless
/// the process bootstrapped a metrics backend):
///
/// - `skv_shardkv_shards_migrated_total`: shards pulled from their previous group and inserted;
/// - `skv_shardkv_migration_bytes_total`: their key and value bytes;
/// - `skv_shardkv_migration_duration_seconds`: one pull, from asking the holder to the
///   inserted shards being applied by this group.
struct ShardMigrationMetrics: Sendable {
    let shardsMigrated = Counter(label: "skv_shardkv_shards_migrated_total")
    let bytes = Counter(label: "skv_shardkv_migration_bytes_total")
    let duration = Timer(label: "skv_shardkv_migration_duration_seconds", preferredDisplayUnit: .seconds)

    /// Records `shards` inserted after a pull that took `elapsed`.
    func recordPulled(_ shards: [ShardData], after elapsed: Duration) {
        shardsMigrated.increment(by: shards.count)
        bytes.increment(by: shards.reduce(0) { total, shard in
            shard.pairs.reduce(total) { $0 + $1.key.count + $1.value.count }
        })
        duration.recordDuration(elapsed)
    }
}
