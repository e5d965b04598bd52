import RPCCore
import RPCProtobuf
import ShardController

/// Conversions of `repeated uint32` shard-number fields, shared by this folder. Decoding
/// rejects (`INVALID_ARGUMENT`) a shard number outside `0..<ShardConfig.shardCount`.
enum WireShards {
    /// Copies `shards` into `arena` (`nil` when empty).
    static func field(_ shards: [Int], in arena: ProtobufCArena) -> UnsafeMutablePointer<UInt32>? {
        guard let array = arena.allocateArray(of: UInt32.self, count: shards.count) else { return nil }
        for (i, shard) in shards.enumerated() { (array + i).initialize(to: UInt32(shard)) }
        return array
    }

    /// Copies a `repeated uint32` field out of an unpacked message, validating every number.
    static func values(_ pointer: UnsafeMutablePointer<UInt32>?, count: Int) throws(RPCError) -> [Int] {
        guard let pointer, count > 0 else { return [] }
        var shards: [Int] = []
        shards.reserveCapacity(count)
        for i in 0..<count { shards.append(try shard(pointer[i])) }
        return shards
    }

    /// One validated shard number.
    static func shard(_ value: UInt32) throws(RPCError) -> Int {
        guard value < UInt32(ShardConfig.shardCount) else {
            throw RPCError(
                code: .invalidArgument, message: "Shard \(value) is out of range 0..<\(ShardConfig.shardCount).")
        }
        return Int(value)
    }
}
