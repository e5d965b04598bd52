import LabHarness
import ShardController
import ShardKV
import Testing

/// `ShardCtrlerClerk` as a ``ShardConfigSource`` against a one-server controller: a number
/// asks for that configuration, `nil` or a number past the latest gives the latest (the
/// controller's Query), as the driver and the clerk rely on.
@Suite(.timeLimit(.minutes(1))) struct ShardConfigSourceTests {
    @Test func theControllerClerkAnswersByNumberOrWithTheLatest() async throws {
        let fixture = ShardKVFixture()
        _ = try await fixture.startServer(name: "ctrler") { context in
            CtrlerLabService(
                server: try ShardCtrlerServer(
                    id: UInt64(context.index + 1), log: context.peer, restoredSnapshot: context.restoredSnapshot))
        }
        let clerk = ShardCtrlerClerk(clients: [ShardCtrlerClient(wrapping: fixture.makeClient("ctrler"))])
        try await clerk.join([1: ["a"]])
        try await clerk.join([2: ["b"]])
        let source: any ShardConfigSource = clerk
        #expect(try await source.config(0) == ShardConfig())
        let first = try await source.config(1)
        #expect(first.num == 1)
        #expect(first.groups == [1: ["a"]])
        #expect(first.shards == Array(repeating: 1, count: ShardConfig.shardCount))
        let latest = try await source.config(nil)
        #expect(latest.num == 2)
        #expect(latest.groups == [1: ["a"], 2: ["b"]])
        #expect(try await source.config(2) == latest)
        #expect(try await source.config(3) == latest)
        // Beyond Int64 (the wire's signed number): clamped, still the latest.
        #expect(try await source.config(UInt64.max) == latest)
        await fixture.shutdown()
    }
}
