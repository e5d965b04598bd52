import RPCCore
import ShardController
import ShardKV
import Simulation
import Testing

/// The ShardKV clerk against one-server groups and a scripted controller: it re-reads the
/// configuration after a wrong-group answer and after a round without an answer, follows a
/// group whose servers changed, gives up at its operation timeout, does not retry a refused
/// request, and a write retried at the shard's new owner applies once.
@Suite(.timeLimit(.minutes(1))) struct ShardKVClerkTests {
    @Test func everyOperationThroughTheClerk() async throws {
        let fixture = ShardKVFixture()
        _ = try await fixture.startGroupOneWithEveryShard()
        let clerk = fixture.clerk()
        #expect(try await clerk.get("k") == "")
        #expect(try await clerk.get("k".bytes) == nil)
        try await clerk.put("k", "a")
        try await clerk.append("k", "b")
        try await clerk.append("fresh", "x")
        #expect(try await clerk.get("k") == "ab")
        #expect(try await clerk.get("fresh") == "x")
        #expect(try await clerk.delete("k".bytes))
        #expect(try await !clerk.delete("k".bytes))
        #expect(try await clerk.get("k".bytes) == nil)
        try await clerk.put([], [1, 2])
        #expect(try await clerk.get([]) == [1, 2])
        await fixture.shutdown()
    }

    @Test func aWrongGroupAnswerMakesTheClerkReadTheConfigurationAgain() async throws {
        let fixture = ShardKVFixture()
        let controller = fixture.controller
        let one = try await fixture.startGroupOneWithEveryShard()
        _ = try await fixture.startShardKVServer(gid: 2, name: "s2")
        let clerk = fixture.clerk()
        let key = key(inShard: 7)
        try await clerk.put(key, "x")
        #expect(await clerk.cachedConfig.num == 1)

        // Shard 7 moves to gid 2; wait until gid 1 dropped its copy (gid 2 then serves it).
        await controller.add(shards: [1, 1, 1, 1, 1, 1, 1, 2, 1, 1], groups: [1: ["s1"], 2: ["s2"]])
        try await waitUntil("gid 1 to hand shard 7 over") { await one.status(ofShard: 7) == nil }
        let queries = await controller.queryCount(for: nil)
        // The clerk still routes by configuration #1: gid 1 answers WRONG_GROUP.
        #expect(try await clerk.get(key) == "x")
        #expect(await controller.queryCount(for: nil) > queries)
        #expect(await clerk.cachedConfig.num == 2)
        try await clerk.append(key, "y")
        #expect(try await clerk.get(key) == "xy")
        await fixture.shutdown()
    }

    /// A latest configuration that names a gid without servers is not adopted: the clerk keeps
    /// routing by the configuration it has (which still reaches the data) until a usable one exists.
    @Test func anInconsistentConfigurationIsNotAdopted() async throws {
        let fixture = ShardKVFixture()
        let controller = fixture.controller
        let one = try await fixture.startGroupOneWithEveryShard()
        let clerk = fixture.clerk()
        try await clerk.put("k", "v")
        #expect(await clerk.cachedConfig.num == 1)
        // #2 gives every shard to gid 9, which has no servers; gid 1 never installs it (its driver
        // refuses it), so it keeps serving; the clerk, sent to re-read by a lost round, must not
        // switch to #2.
        await controller.add(allShardsTo: 9, groups: [1: ["s1"]])
        let queries = await controller.queryCount(for: nil)
        await one.stop()
        let failing = Task { try await clerk.get("k") }
        try await waitUntil("the clerk to re-read the configuration") {
            await controller.queryCount(for: nil) > queries
        }
        failing.cancel()
        _ = try? await failing.value
        #expect(await clerk.cachedConfig.num == 1)
        await fixture.shutdown()
    }

    @Test func aRoundWithoutAnswerMakesTheClerkReadTheConfigurationAgain() async throws {
        let fixture = ShardKVFixture()
        let controller = fixture.controller
        // Configuration #1 lists gid 1 under a server that does not exist; #2 lists the real one.
        await controller.add(allShardsTo: 1, groups: [1: ["s1-gone"]])
        _ = try await fixture.startShardKVServer(gid: 1, name: "s1")
        let clerk = fixture.clerk()
        let put = Task { try await clerk.put(key(inShard: 2), "x") }
        // The first query reads #1; every later one follows a round in which "s1-gone" failed.
        try await waitUntil("the clerk to re-read the configuration") { await controller.queryCount(for: nil) >= 3 }
        await controller.add(allShardsTo: 1, groups: [1: ["s1"]])
        try await put.value
        #expect(await clerk.cachedConfig.groups[1] == ["s1"])
        #expect(try await clerk.get(key(inShard: 2)) == "x")
        await fixture.shutdown()
    }

    @Test func theClerkFollowsAGroupWhoseServersChanged() async throws {
        let fixture = ShardKVFixture()
        let controller = fixture.controller
        let server = try await fixture.startGroupOneWithEveryShard()
        let clerk = fixture.clerk()
        try await clerk.put(key(inShard: 0), "a")
        // Gid 1's server changes its address: configuration #2 lists the new name, the old one
        // is gone. The clerk's round at "s1" fails, and it re-reads the configuration.
        await controller.add(allShardsTo: 1, groups: [1: ["s1-moved"]])
        fixture.addServer(name: "s1-moved", server)
        fixture.network.deleteServer(name: "s1")
        try await clerk.append(key(inShard: 0), "b")
        #expect(await clerk.cachedConfig.groups[1] == ["s1-moved"])
        #expect(try await clerk.get(key(inShard: 0)) == "ab")
        await fixture.shutdown()
    }

    @Test func anOperationTimeoutEndsWithTimedOut() async throws {
        let fixture = ShardKVFixture()
        var configuration = ShardKVFixture.clerkConfiguration
        configuration.operationTimeout = .milliseconds(300)
        // No configuration gives the shard an owner yet.
        let unowned = fixture.clerk(configuration: configuration)
        try await Self.expectTimedOut(after: .milliseconds(300)) { try await unowned.put(key(inShard: 1), "x") }
        // The owner does not exist.
        await fixture.controller.add(allShardsTo: 1, groups: [1: ["nowhere"]])
        configuration.operationTimeout = .seconds(1)
        let unanswered = fixture.clerk(configuration: configuration)
        try await Self.expectTimedOut(after: .seconds(1)) { _ = try await unanswered.get(key(inShard: 1)) }
        #expect(await unanswered.cachedConfig.num == 1)
        await fixture.shutdown()
    }

    @Test func anOperationTimeoutAlsoBoundsARoundAtServersThatNeverAnswer() async throws {
        let fixture = ShardKVFixture()
        // Three servers that take each OpenSession and Put in and never answer (within the
        // test): each RPC would wait out the clerk's 5-s rpcTimeout.
        for name in ["silent-1", "silent-2", "silent-3"] {
            var router = RPCRouter()
            for method in [ShardKVService.Methods.openSession, ShardKVService.Methods.put] {
                router.registerUnary(
                    method, deserializer: IdentityCoder(), serializer: IdentityCoder()
                ) { _, _ -> ServerResponse<[UInt8]> in
                    try await Task.sleep(for: .seconds(10))
                    throw RPCError(code: .unavailable, message: "silent")
                }
            }
            fixture.network.addServer(name: name, router: router)
        }
        await fixture.controller.add(allShardsTo: 1, groups: [1: ["silent-1", "silent-2", "silent-3"]])
        var configuration = ShardKVFixture.clerkConfiguration
        configuration.operationTimeout = .milliseconds(300)
        configuration.rpcTimeout = .seconds(5)
        let clerk = fixture.clerk(configuration: configuration)
        try await Self.expectTimedOut(after: .milliseconds(300), slack: .seconds(2)) {
            try await clerk.put(key(inShard: 1), "x")
        }
        await fixture.shutdown()
    }

    static func expectTimedOut(
        after limit: Duration, slack: Duration = .seconds(3), _ operation: @Sendable () async throws -> Void
    ) async throws {
        let start = ContinuousClock.now
        do {
            try await operation()
            Issue.record("the operation succeeded")
        } catch {
            guard case .timedOut(let reported)? = error as? ShardKVClerkError else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(reported == limit)
        }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= limit && elapsed < limit + slack, "took \(elapsed)")
    }

    @Test func aRefusedRequestEndsTheOperation() async throws {
        let fixture = ShardKVFixture()
        var configuration = ShardKVFixture.serverConfiguration
        configuration.maxKeyBytes = 4
        _ = try await fixture.startGroupOneWithEveryShard(configuration: configuration)
        let clerk = fixture.clerk()
        do {
            try await clerk.put(key(inShard: 3, "long"), "x")
            Issue.record("an oversized key was accepted")
        } catch {
            guard case .rejected(let rpcError) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(rpcError.code == .invalidArgument)
        }
        // The clerk is usable afterwards.
        try await clerk.put(key(inShard: 3), "x")
        #expect(try await clerk.get(key(inShard: 3)) == "x")
        await fixture.shutdown()
    }

    @Test func aRetriedWriteWhoseShardMovedAppliesOnce() async throws {
        let fixture = ShardKVFixture()
        let controller = fixture.controller
        let one = try await fixture.startGroupOneWithEveryShard()
        let two = try await fixture.startShardKVServer(gid: 2, name: "s2")
        // The first Append to gid 1 applies but its reply is lost; meanwhile shard 7 moves to
        // gid 2, so the clerk retries the same write (same session) there.
        let lossy = ReplyLosingTransport(
            wrapping: fixture.makeClient("s1").transport, method: ShardKVService.Methods.append
        ) {
            await controller.add(shards: [1, 1, 1, 1, 1, 1, 1, 2, 1, 1], groups: [1: ["s1"], 2: ["s2"]])
        }
        let clerk = fixture.clerk { name in
            name == "s1" ? RPCClient(transport: lossy) : fixture.makeClient(name)
        }
        let key = key(inShard: 7)
        try await clerk.put(key, "a")
        try await clerk.append(key, "b")
        #expect(lossy.hasLostReply)
        #expect(await clerk.cachedConfig.num == 2)
        #expect(try await clerk.get(key) == "ab")
        #expect(await two.inspect { $0.storedValue(forKey: key.bytes) } == "ab".bytes)
        try await waitUntil("gid 1 to drop shard 7") { await one.status(ofShard: 7) == nil }
        await fixture.shutdown()
    }
}
