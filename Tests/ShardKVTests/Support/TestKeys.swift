import ShardController
import ShardKV

/// Test support: keys by shard. `key(inShard: s)` starts with the letter whose code is
/// `100 + s` ("d" … "m"), so ``key2shard(_:)`` maps it to `s`.
func key(inShard shard: Int, _ suffix: String = "") -> String {
    precondition((0..<ShardConfig.shardCount).contains(shard), "no shard \(shard)")
    return String(UnicodeScalar(UInt8(100 + shard))) + suffix
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}

extension Array where Element == UInt8 {
    var text: String { String(decoding: self, as: UTF8.self) }
}

extension ShardKVServer {
    /// The number of the configuration this replica has applied.
    var configNum: UInt64 {
        get async { await inspect { $0.currentConfig.num } }
    }

    /// Waits (bounded) until this replica has applied configuration `num`.
    func waitForConfig(_ num: UInt64, within limit: Duration = .seconds(10)) async throws {
        try await waitUntil("gid \(gid) in configuration #\(num)", within: limit) { await configNum >= num }
    }

    /// The status of `shard` on this replica (`nil`: holds nothing for it).
    func status(ofShard shard: Int) async -> ShardStatus? {
        await inspect { $0.status(ofShard: shard) }
    }
}
