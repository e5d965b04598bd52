import RPCCore
import RPCProtobuf
import RSM
import ShardController
import ShardKV
import Testing

/// The inter-group messages on the wire: they round-trip, reject shard numbers out of range,
/// and a shard handed over through an encoded PullShardsReply arrives intact, session records
/// included (a retried write is still recognised at the new owner).
@Suite struct MigrationWireTests {
    static func roundTrip<Message: ProtobufCConvertible & Equatable>(_ message: Message) throws -> Message {
        try ProtobufDeserializer<Message>().deserialize(ProtobufSerializer<Message>().serialize(message))
    }

    @Test func requestsAndRepliesRoundTrip() throws {
        let pull = PullShardsRequest(configNum: 7, shards: [0, 3, 9])
        #expect(try Self.roundTrip(pull) == pull)
        let delete = DeleteShardsRequest(configNum: 8, shards: [1])
        #expect(try Self.roundTrip(delete) == delete)
        let deleted = DeleteShardsReply(outcome: .wrongLeader, leader: LeaderHint(leaderID: 2, address: "h:1"))
        #expect(try Self.roundTrip(deleted) == deleted)
        let notReady = PullShardsReply(.notReady(currentConfigNum: 6), configNum: 6)
        #expect(notReady.outcome == .notReady && notReady.configNum == 6 && notReady.shards.isEmpty)
        #expect(try Self.roundTrip(notReady) == notReady)
    }

    @Test func shardNumbersOutOfRangeAreInvalidArgument() throws {
        // Field 1 (config_num) = 1, field 2 (packed uint32 shards) = [10].
        let bytes: [UInt8] = [0x08, 0x01, 0x12, 0x01, 0x0A]
        #expect(throws: RPCError.self) { _ = try ProtobufDeserializer<PullShardsRequest>().deserialize(bytes) }
        #expect(throws: RPCError.self) { _ = try ProtobufDeserializer<DeleteShardsRequest>().deserialize(bytes) }
    }

    @Test func shardHandedOverThroughTheWireKeepsDataAndSessions() throws {
        var a = ReplicaGroup(gid: 100)
        var b = ReplicaGroup(gid: 101)
        let everythingAt100 = makeConfig(1, Array(repeating: 100, count: 10))
        let shard4To101 = makeConfig(2, [100, 100, 100, 100, 101, 100, 100, 100, 100, 100])
        a.install(everythingAt100)
        b.install(everythingAt100)
        let client = ClientSession(clientID: 11, sequence: 3)
        let k = key(inShard: 4)
        #expect(a.openSession(11, onShardOf: k).outcome == .ok)
        #expect(a.append(k, "once", client).outcome == .ok)
        a.install(shard4To101)
        b.install(shard4To101)

        let task = try #require(b.state.pullTasks.first)
        let request = try Self.roundTrip(PullShardsRequest(configNum: task.configNum, shards: task.shards))
        let reply = try Self.roundTrip(
            PullShardsReply(a.state.answerPull(configNum: request.configNum, shards: request.shards), configNum: 2))
        #expect(reply.outcome == .ok && reply.shards.map(\.shard) == [4])
        b.apply(.insertShards(configNum: request.configNum, data: reply.shards))
        #expect(b.read(k) == "once")
        #expect(b.append(k, "once", client).outcome == .ok)
        #expect(b.read(k) == "once")
    }
}
