import ShardController
import ShardKV
import Testing

/// The placement check of ``KVProcessTests/ShardKVProcessStressTests`` on hand-made `Status`
/// replies: it accepts each shard held, serving, with the expected keys, only by its owner's
/// replicas, and flags a copy left at an old owner, a lagging replica, a shard still moving, a
/// wrong key count, a missing shard and a silent replica.
@Suite("ShardKVPlacementCheckTests")
struct ShardKVPlacementCheckTests {
    /// Shards 0-4 at group 100, 5-9 at group 101; one key in shard 0, two in shard 7.
    static let config = ShardConfig(
        num: 5, shards: [100, 100, 100, 100, 100, 101, 101, 101, 101, 101],
        groups: [100: ["a:1"], 101: ["b:1"]])
    static let keys: [Int: UInt64] = [0: 1, 7: 2]

    static func reply(_ gid: UInt64, configNum: UInt64 = 5, _ shards: [ShardKVStatusReply.Shard])
        -> ShardKVStatusReply
    {
        ShardKVStatusReply(
            id: 1, gid: gid, term: 1, isLeader: false, leader: nil, commitIndex: 1, appliedIndex: 1,
            configNum: configNum, shards: shards)
    }

    static func owned(_ range: Range<Int>, except changed: ShardKVStatusReply.Shard? = nil)
        -> [ShardKVStatusReply.Shard]
    {
        range.map { shard in
            if let changed, changed.shard == shard { return changed }
            return ShardKVStatusReply.Shard(shard: shard, status: .serving, keys: keys[shard] ?? 0)
        }
    }

    func problems(_ g100: [ShardKVStatusReply?], _ g101: [ShardKVStatusReply?]) -> [String] {
        KVProcessTests.ShardKVProcessStressTests.placementProblems(Self.config, Self.keys, [100: g100, 101: g101])
    }

    static let good100 = reply(100, owned(0..<5))
    static let good101 = reply(101, owned(5..<10))

    @Test func acceptsEachShardServedOnlyByItsOwner() {
        #expect(problems([Self.good100, Self.good100], [Self.good101]).isEmpty)
    }

    @Test func flagsCopiesAtOldOwnersLaggingReplicasAndWrongCounts() {
        let leftover = Self.reply(
            101, Self.owned(5..<10) + [ShardKVStatusReply.Shard(shard: 2, status: .bePulled, keys: 0)])
        let stillHolds = "g101 node 1 still holds shard 2 (bePulled, 0 keys), owned by 100"
        #expect(problems([Self.good100], [leftover]) == [stillHolds])
        let lagging = Self.reply(100, configNum: 4, Self.owned(0..<5))
        #expect(problems([lagging], [Self.good101]) == ["g100 node 1 is at configuration 4, not 5"])
        let pulling = Self.reply(
            101, Self.owned(5..<10, except: ShardKVStatusReply.Shard(shard: 7, status: .pulling, keys: 0)))
        #expect(problems([Self.good100], [pulling]).first?.contains("shard 7 pulling with 0 keys") == true)
        let extraKey = Self.reply(
            100, Self.owned(0..<5, except: ShardKVStatusReply.Shard(shard: 0, status: .serving, keys: 2)))
        #expect(problems([extraKey], [Self.good101]).first?.contains("expected serving with 1") == true)
        let missing = Self.reply(100, Array(Self.owned(0..<5).dropFirst()))
        #expect(problems([missing], [Self.good101]) == ["g100 node 1 does not hold its shard 0 (1 keys expected)"])
        #expect(problems([Self.good100, nil], [Self.good101]) == ["g100 node 2 does not answer Status"])
    }
}
