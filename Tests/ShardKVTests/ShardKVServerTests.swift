import LabHarness
import RPCCore
import RSM
import ShardController
import ShardKV
import Testing

/// The ShardKV server on a one-server group over the simulated network, RPC by RPC: the client
/// API (Get through ReadIndex, the writes with their per-shard sessions, Status), the migration
/// API (PullShards from frozen data, DeleteShards through the log), the size limits, malformed
/// request bytes, shards the group does not serve, and a stopped server.
@Suite(.timeLimit(.minutes(1))) struct ShardKVServerTests {
    /// Gid 1 ("s1") serves shards 0–7; shards 8 and 9 belong to gid 2, which never runs.
    static func startGroupOne(
        _ fixture: ShardKVFixture,
        configuration: ShardKVServer.Configuration = ShardKVFixture.serverConfiguration
    ) async throws -> (ShardKVServer, ShardKVClient) {
        await fixture.controller.add(shards: [1, 1, 1, 1, 1, 1, 1, 1, 2, 2], groups: [1: ["s1"], 2: ["s2"]])
        let server = try await fixture.startShardKVServer(gid: 1, name: "s1", configuration: configuration)
        try await server.waitForConfig(1)
        return (server, ShardKVClient(wrapping: fixture.makeClient("s1")))
    }

    static func session(_ sequence: UInt64) -> ClientSession { ClientSession(clientID: 7, sequence: sequence) }

    /// Opens client 7's session on the shard of each key (before its first write there).
    static func openSessions(_ client: ShardKVClient, onShardsOf keys: [[UInt8]]) async throws {
        for key in keys {
            #expect(try await client.openSession(ShardKVOpenSessionRequest(clientID: 7, key: key)).outcome == .ok)
        }
    }

    @Test func everyClientOperationOnAServedShard() async throws {
        let fixture = ShardKVFixture()
        let (_, client) = try await Self.startGroupOne(fixture)
        let key = key(inShard: 3, "k").bytes
        #expect(try await client.get(ShardKVGetRequest(key: key)).outcome == .noKey)
        let put = ShardKVPutRequest(session: Self.session(1), key: key, value: "a".bytes)
        // A write of a session not opened on the shard is refused without effect.
        #expect(try await client.put(put).outcome == .sessionExpired)
        #expect(try await client.get(ShardKVGetRequest(key: key)).outcome == .noKey)
        // A write numbered 0 (an opening's number) is malformed.
        await #expect(throws: RPCError.self) {
            try await client.put(ShardKVPutRequest(session: Self.session(0), key: key, value: "a".bytes))
        }
        try await Self.openSessions(client, onShardsOf: [key])
        #expect(try await client.put(put).outcome == .ok)
        let append = ShardKVAppendRequest(session: Self.session(2), key: key, value: "b".bytes)
        #expect(try await client.append(append).outcome == .ok)
        // The retried append (same session) is answered from the shard's session record.
        #expect(try await client.append(append).outcome == .ok)
        #expect(try await client.get(ShardKVGetRequest(key: key)) == ShardKVGetReply(outcome: .ok, value: "ab".bytes))
        #expect(try await client.delete(ShardKVDeleteRequest(session: Self.session(3), key: key)).outcome == .ok)
        #expect(try await client.delete(ShardKVDeleteRequest(session: Self.session(4), key: key)).outcome == .noKey)
        #expect(try await client.get(ShardKVGetRequest(key: key)).outcome == .noKey)
        await fixture.shutdown()
    }

    @Test func getIsAReadIndexReadThatAddsNoLogEntry() async throws {
        let fixture = ShardKVFixture()
        let (_, client) = try await Self.startGroupOne(fixture)
        let key = key(inShard: 0).bytes
        try await Self.openSessions(client, onShardsOf: [key])
        _ = try await client.put(ShardKVPutRequest(session: Self.session(1), key: key, value: "v".bytes))
        let before = try await client.status()
        for _ in 0..<5 { #expect(try await client.get(ShardKVGetRequest(key: key)).value == "v".bytes) }
        let after = try await client.status()
        #expect(after.commitIndex == before.commitIndex)
        #expect(after.appliedIndex == before.appliedIndex)
        await fixture.shutdown()
    }

    @Test func shardsOfAnotherGroupAnswerWrongGroup() async throws {
        let fixture = ShardKVFixture()
        let (_, client) = try await Self.startGroupOne(fixture)
        for shard in [8, 9] {
            let key = key(inShard: shard).bytes
            #expect(try await client.get(ShardKVGetRequest(key: key)).outcome == .wrongGroup)
            let put = ShardKVPutRequest(session: Self.session(1), key: key, value: "v".bytes)
            #expect(try await client.put(put).outcome == .wrongGroup)
            let append = ShardKVAppendRequest(session: Self.session(2), key: key, value: "v".bytes)
            #expect(try await client.append(append).outcome == .wrongGroup)
            let delete = ShardKVDeleteRequest(session: Self.session(3), key: key)
            #expect(try await client.delete(delete).outcome == .wrongGroup)
        }
        await fixture.shutdown()
    }

    @Test func statusReportsTheConfigurationAndEachHeldShard() async throws {
        let fixture = ShardKVFixture()
        let (_, client) = try await Self.startGroupOne(fixture)
        try await Self.openSessions(client, onShardsOf: [key(inShard: 2).bytes])
        for i in 0..<3 {
            let put = ShardKVPutRequest(
                session: Self.session(UInt64(i + 1)), key: key(inShard: 2, "\(i)").bytes, value: [])
            #expect(try await client.put(put).outcome == .ok)
        }
        let status = try await client.status()
        #expect(status.id == 1)
        #expect(status.gid == 1)
        #expect(status.isLeader)
        #expect(status.leader?.leaderID == 1)
        #expect(status.term >= 1)
        #expect(status.configNum == 1)
        #expect(status.appliedIndex >= 4)
        #expect(status.commitIndex >= status.appliedIndex)
        let shards = (0..<8).map { ShardKVStatusReply.Shard(shard: $0, status: .serving, keys: $0 == 2 ? 3 : 0) }
        #expect(status.shards == shards)
        await fixture.shutdown()
    }

    @Test func keysAndValuesOverTheLimitsAreInvalidArgument() async throws {
        var configuration = ShardKVFixture.serverConfiguration
        configuration.maxKeyBytes = 8
        configuration.maxValueBytes = 16
        let fixture = ShardKVFixture()
        let (_, client) = try await Self.startGroupOne(fixture, configuration: configuration)
        let longestKey = Array(key(inShard: 1, "1234567").bytes)
        let longKey = longestKey + [0]
        let put = ShardKVPutRequest(session: Self.session(1), key: longestKey, value: Array(repeating: 2, count: 16))
        try await Self.openSessions(client, onShardsOf: [longestKey])
        #expect(try await client.put(put).outcome == .ok)
        let refused: [(String, @Sendable () async throws -> Void)] = [
            ("get", { _ = try await client.get(ShardKVGetRequest(key: longKey)) }),
            ("put key", {
                _ = try await client.put(ShardKVPutRequest(session: Self.session(2), key: longKey, value: []))
            }),
            ("put value", {
                _ = try await client.put(
                    ShardKVPutRequest(session: Self.session(3), key: longestKey, value: Array(repeating: 2, count: 17)))
            }),
            ("append value", {
                _ = try await client.append(
                    ShardKVAppendRequest(
                        session: Self.session(4), key: longestKey, value: Array(repeating: 2, count: 17)))
            }),
            ("delete key", {
                _ = try await client.delete(ShardKVDeleteRequest(session: Self.session(5), key: longKey))
            }),
        ]
        for (name, call) in refused {
            let error = await #expect(throws: RPCError.self, "\(name)") { try await call() }
            #expect(error?.code == .invalidArgument, "\(name)")
            #expect(error?.message.contains("limit") == true, "\(name)")
        }
        #expect(try await client.get(ShardKVGetRequest(key: longestKey)).value == Array(repeating: 2, count: 16))
        await fixture.shutdown()
    }

    @Test func malformedRequestBytesAreInvalidArgument() async throws {
        let fixture = ShardKVFixture()
        let (_, _) = try await Self.startGroupOne(fixture)
        let raw = fixture.makeClient("s1")
        let methods = [
            ShardKVService.Methods.get, ShardKVService.Methods.put, ShardKVService.Methods.append,
            ShardKVService.Methods.delete, ShardKVService.Methods.status, ShardKVService.MigrationMethods.pullShards,
            ShardKVService.MigrationMethods.deleteShards, ShardKVService.Methods.openSession,
        ]
        for method in methods {
            let error = await #expect(throws: RPCError.self, "\(method)") {
                _ = try await raw.unary(
                    request: ClientRequest(message: [0xFF, 0xFF]), descriptor: method, serializer: IdentityCoder(),
                    deserializer: IdentityCoder())
            }
            #expect(error?.code == .invalidArgument, "\(method)")
        }
        // Well-formed messages naming a shard out of range are refused the same way.
        let client = ShardKVClient(wrapping: raw)
        let pull = await #expect(throws: RPCError.self) {
            _ = try await client.pullShards(PullShardsRequest(configNum: 1, shards: [ShardConfig.shardCount]))
        }
        #expect(pull?.code == .invalidArgument)
        let delete = await #expect(throws: RPCError.self) {
            _ = try await client.deleteShards(DeleteShardsRequest(configNum: 1, shards: [ShardConfig.shardCount]))
        }
        #expect(delete?.code == .invalidArgument)
        // The server still answers.
        #expect(try await client.status().configNum == 1)
        await fixture.shutdown()
    }

    @Test func pullShardsAnswersFrozenDataAndDeleteShardsDropsIt() async throws {
        let fixture = ShardKVFixture()
        let (server, client) = try await Self.startGroupOne(fixture)
        let key = key(inShard: 5, "x").bytes
        let put = ShardKVPutRequest(session: Self.session(1), key: key, value: "v".bytes)
        try await Self.openSessions(client, onShardsOf: [key])
        #expect(try await client.put(put).outcome == .ok)
        // Before the shard moves: it is served, not waiting to be pulled.
        #expect(try await client.pullShards(PullShardsRequest(configNum: 1, shards: [5])).outcome == .notReady)

        // Configuration #2 gives shard 5 to gid 2: gid 1 stops serving it and keeps it frozen.
        await fixture.controller.add(shards: [1, 1, 1, 1, 1, 2, 1, 1, 2, 2], groups: [1: ["s1"], 2: ["s2"]])
        try await server.waitForConfig(2)
        #expect(await server.status(ofShard: 5) == .bePulled)
        #expect(try await client.get(ShardKVGetRequest(key: key)).outcome == .wrongGroup)
        let pulled = try await client.pullShards(PullShardsRequest(configNum: 2, shards: [5]))
        #expect(pulled.outcome == .ok)
        #expect(pulled.configNum == 2)
        #expect(pulled.shards.map(\.shard) == [5])
        #expect(pulled.shards.first?.pairs == [ShardData.Pair(key: key, value: "v".bytes)])
        #expect(pulled.shards.first?.sessions.map(\.clientID) == [7])
        // Another configuration number, or a shard not frozen: not ready.
        for request in [PullShardsRequest(configNum: 1, shards: [5]), PullShardsRequest(configNum: 3, shards: [5]),
                        PullShardsRequest(configNum: 2, shards: [5, 6])] {
            let reply = try await client.pullShards(request)
            #expect(reply.outcome == .notReady, "\(request)")
            #expect(reply.configNum == 2, "\(request)")
            #expect(reply.shards.isEmpty, "\(request)")
        }

        // A future configuration's deletion is not ready; a past one's changes nothing.
        #expect(try await client.deleteShards(DeleteShardsRequest(configNum: 3, shards: [5])).outcome == .notReady)
        #expect(try await client.deleteShards(DeleteShardsRequest(configNum: 1, shards: [5])).outcome == .ok)
        #expect(await server.status(ofShard: 5) == .bePulled)
        #expect(try await client.deleteShards(DeleteShardsRequest(configNum: 2, shards: [5])).outcome == .ok)
        #expect(await server.status(ofShard: 5) == nil)
        #expect(await server.inspect { $0.storedValue(forKey: key) } == nil)
        #expect(try await client.pullShards(PullShardsRequest(configNum: 2, shards: [5])).outcome == .notReady)
        // A repeated deletion is a no-op.
        #expect(try await client.deleteShards(DeleteShardsRequest(configNum: 2, shards: [5])).outcome == .ok)
        #expect(try await client.status().shards.map(\.shard) == [0, 1, 2, 3, 4, 6, 7])
        await fixture.shutdown()
    }

    @Test func restartsFromItsSnapshot() async throws {
        let fixture = ShardKVFixture()
        await fixture.controller.add(shards: [1, 1, 1, 1, 1, 1, 1, 1, 2, 2], groups: [1: ["s1"], 2: ["s2"]])
        let group = try await fixture.startShardKVGroup(gid: 1, names: ["s1"], maxRaftState: 1_000)
        try await #require(await group.service(0)).waitForConfig(1)
        let client = ShardKVClient(wrapping: fixture.makeClient("s1"))
        try await Self.openSessions(client, onShardsOf: (0..<8).map { key(inShard: $0).bytes })
        for i in 0..<40 {
            let append = ShardKVAppendRequest(
                session: Self.session(UInt64(i + 1)), key: key(inShard: i % 8, "\(i % 3)").bytes, value: "\(i),".bytes)
            #expect(try await client.append(append).outcome == .ok)
        }
        #expect(await group.maxSnapshotSize() > 0)
        try await fixture.lab.checkLogs()
        await group.shutdownServer(0)
        try await group.startServer(0)
        await group.connectAll()
        let restarted = try #require(await group.service(0))
        #expect(await restarted.configNum == 1)
        let again = ShardKVClient(wrapping: fixture.makeClient("s1"))
        // The latest append, retried, is still recognised (its shard's session record was in
        // the snapshot or the log).
        let last = ShardKVAppendRequest(
            session: Self.session(40), key: key(inShard: 39 % 8, "\(39 % 3)").bytes, value: "39,".bytes)
        try await waitUntil("the restarted server to lead and answer") {
            try await again.append(last).outcome == .ok
        }
        for shard in 0..<8 {
            for variant in 0..<3 {
                let expected = (0..<40).filter { $0 % 8 == shard && $0 % 3 == variant }.map { "\($0)," }.joined()
                let reply = try await again.get(ShardKVGetRequest(key: key(inShard: shard, "\(variant)").bytes))
                #expect(reply.value.text == expected, "shard \(shard) key \(variant)")
            }
        }
        await fixture.shutdown()
    }

    @Test func anyReplicaAnswersPullShardsAndOnlyTheLeaderDeletes() async throws {
        let fixture = ShardKVFixture()
        let names = ["s1-a", "s1-b", "s1-c"]
        await fixture.controller.add(allShardsTo: 1, groups: [1: names])
        let group = try await fixture.startShardKVGroup(gid: 1, names: names)
        let clerk = fixture.clerk()
        try await clerk.put(key(inShard: 5), "v")
        await fixture.controller.add(shards: [1, 1, 1, 1, 1, 2, 1, 1, 1, 1], groups: [1: names, 2: ["s2"]])
        for i in group.all {
            let server = try #require(await group.service(i))
            try await waitUntil("\(names[i]) to freeze shard 5") { await server.status(ofShard: 5) == .bePulled }
        }
        // Every replica, leader or not, answers the pull with the same data.
        let request = PullShardsRequest(configNum: 2, shards: [5])
        var answers: [PullShardsReply] = []
        for name in names {
            answers.append(try await ShardKVClient(wrapping: fixture.makeClient(name)).pullShards(request))
        }
        #expect(Set(answers).count == 1)
        #expect(answers[0].outcome == .ok)
        #expect(answers[0].shards.first?.pairs == [ShardData.Pair(key: key(inShard: 5).bytes, value: "v".bytes)])
        // A deletion goes through the log: a follower names the leader.
        let leader = try await group.awaitLeader(within: .seconds(10))
        let follower = (leader + 1) % 3
        let delete = DeleteShardsRequest(configNum: 2, shards: [5])
        let redirected = try await ShardKVClient(wrapping: fixture.makeClient(names[follower])).deleteShards(delete)
        #expect(redirected.outcome == .wrongLeader)
        #expect(redirected.leader?.leaderID == UInt64(leader + 1))
        let toLeader = ShardKVClient(wrapping: fixture.makeClient(names[leader]))
        #expect(try await toLeader.deleteShards(delete).outcome == .ok)
        let followerServer = try #require(await group.service(follower))
        try await waitUntil("the follower to apply the deletion") { await followerServer.status(ofShard: 5) == nil }
        await fixture.shutdown()
    }

    @Test func aStoppedServerAnswersUnavailable() async throws {
        let fixture = ShardKVFixture()
        let (server, client) = try await Self.startGroupOne(fixture)
        let key = key(inShard: 4).bytes
        let put = ShardKVPutRequest(session: Self.session(1), key: key, value: "v".bytes)
        try await Self.openSessions(client, onShardsOf: [key])
        #expect(try await client.put(put).outcome == .ok)
        await server.stop()
        let calls: [(String, @Sendable () async throws -> Void)] = [
            ("get", { _ = try await client.get(ShardKVGetRequest(key: key)) }),
            ("put", { _ = try await client.put(ShardKVPutRequest(session: Self.session(2), key: key, value: [])) }),
            ("append", {
                _ = try await client.append(ShardKVAppendRequest(session: Self.session(3), key: key, value: []))
            }),
            ("delete", { _ = try await client.delete(ShardKVDeleteRequest(session: Self.session(4), key: key)) }),
            ("deleteShards", { _ = try await client.deleteShards(DeleteShardsRequest(configNum: 1, shards: [4])) }),
        ]
        for (name, call) in calls {
            let error = await #expect(throws: RPCError.self, "\(name)") { try await call() }
            #expect(error?.code == .unavailable, "\(name)")
        }
        await fixture.shutdown()
    }
}
