import ShardController
import ShardKV
import Testing

/// `key2shard` must be exactly the lab's function (first byte modulo NShards, 0 for the empty
/// key), since clerks and servers of any implementation must agree on where a key lives.
@Suite struct Key2ShardTests {
    @Test(arguments: [
        ("0", 8), ("1", 9), ("2", 0), ("3", 1), ("4", 2), ("5", 3), ("6", 4), ("7", 5), ("8", 6), ("9", 7),
        ("10", 9), ("19", 9), ("29", 0), ("", 0), ("a", 7), ("zebra", 2),
    ])
    func keyMapsToTheSpecifiedShard(key: String, shard: Int) {
        #expect(key2shard(Array(key.utf8)) == shard)
    }

    @Test func keysZeroToNineCoverEveryShardOnce() {
        let shards = (0..<10).map { key2shard(Array(String($0).utf8)) }
        #expect(Set(shards).count == ShardConfig.shardCount)
        #expect(shards == [8, 9, 0, 1, 2, 3, 4, 5, 6, 7])
    }

    @Test func everyByteMapsIntoRange() {
        for byte in UInt8.min...UInt8.max {
            #expect((0..<ShardConfig.shardCount).contains(key2shard([byte, 1, 2])))
            #expect(key2shard([byte]) == Int(byte) % 10)
        }
    }
}
