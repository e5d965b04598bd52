import ShardController

/// The shard that holds `key` — exactly 6.824's `key2shard`: the key's first byte (0 for the
/// empty key) modulo ``ShardConfig/shardCount``. Keys "0"..."9" map to shards 8, 9, 0, ..., 7.
/// Every clerk and server must use this function, since it decides which group a key lives in.
public func key2shard(_ key: [UInt8]) -> Int {
    Int(key.first ?? 0) % ShardConfig.shardCount
}
