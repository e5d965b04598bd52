@testable import KVRaft
import RPCCore
import RSM
import Testing

/// The clerk's retry policy: deadlines, cancellation, and errors it must not retry.
@Suite(.timeLimit(.minutes(1))) struct ClerkTests {
    @Test func anOperationTimeoutEndsRetrying() async throws {
        let group = try await OneNodeGroup()
        var configuration = Clerk.Configuration()
        configuration.operationTimeout = .milliseconds(300)
        let end = group.client("cut", enabled: false)
        let clerk = Clerk(clients: [KVClient(wrapping: end)], configuration: configuration)
        let start = ContinuousClock.now
        await #expect(throws: ClerkError.timedOut(.milliseconds(300))) { try await clerk.put("k", "v") }
        // A clerk that ignored the timeout would retry until the suite's time limit.
        #expect(ContinuousClock.now - start < .seconds(10))
        await group.shutdown()
    }

    @Test func cancellationEndsRetrying() async throws {
        let group = try await OneNodeGroup()
        let clerk = Clerk(clients: [KVClient(wrapping: group.client("cut", enabled: false))])
        let task = Task { try await clerk.get("k") }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        await #expect(throws: ClerkError.cancelled) { try await task.value }
        await group.shutdown()
    }

    @Test func retryableCodes() {
        #expect(ReplicaGroupCaller<KVClient>.isRetryable(.unavailable))
        #expect(ReplicaGroupCaller<KVClient>.isRetryable(.deadlineExceeded))
        #expect(ReplicaGroupCaller<KVClient>.isRetryable(.resourceExhausted))
        #expect(!ReplicaGroupCaller<KVClient>.isRetryable(.invalidArgument))
        #expect(!ReplicaGroupCaller<KVClient>.isRetryable(.failedPrecondition))
        #expect(!ReplicaGroupCaller<KVClient>.isRetryable(.unimplemented))
    }

    @Test func writesAfterAFailoverApplyOnce() async throws {
        // Two "servers" that are the same node: the clerk's first attempt goes through a cut
        // end, the retry through a live one; the write must be applied once.
        let group = try await OneNodeGroup()
        let clerk = Clerk(clients: [KVClient(wrapping: group.client("cut", enabled: false)), KVClient(wrapping: group.client("ok"))])
        for i in 0..<5 { try await clerk.append("k", "\(i)") }
        #expect(try await clerk.get("k") == "01234")
        await group.shutdown()
    }
}
