import RPCCore
import RSM
import Synchronization
import Testing

/// ``ReplicaGroupCaller`` with replicas that are plain indices and attempts the test scripts:
/// round limits (``ReplicaGroupCaller/Policy/maxRounds``), `.retry` verdicts moving on to the
/// next replica, and errors that end an operation at once.
@Suite(.timeLimit(.minutes(1))) struct ReplicaGroupCallerTests {
    static func caller(replicas: Int, maxRounds: Int?) -> ReplicaGroupCaller<Int> {
        ReplicaGroupCaller(
            replicas: (0..<replicas).map { ReplicaGroupCaller.Replica(client: $0) },
            policy: ReplicaGroupCaller.Policy(
                operationTimeout: nil, rpcTimeout: .seconds(1), retryPause: .milliseconds(1), maxRounds: maxRounds))
    }

    /// Records which replica each attempt went to.
    final class Attempts: Sendable {
        private let replicas = Mutex<[Int]>([])
        func record(_ replica: Int) -> Int {
            replicas.withLock { replicas in
                replicas.append(replica)
                return replicas.count
            }
        }
        var all: [Int] { replicas.withLock { $0 } }
    }

    @Test(arguments: [1, 2, 3])
    func theCallerGivesUpAfterMaxRoundsOfFailures(maxRounds: Int) async {
        let caller = Self.caller(replicas: 3, maxRounds: maxRounds)
        let attempts = Attempts()
        do {
            _ = try await caller.perform({ replica, _ -> Int in
                _ = attempts.record(replica)
                throw RPCError(code: .unavailable, message: "down")
            }) { _ in .final }
            Issue.record("a group that never answers answered")
        } catch {
            guard case .roundsExhausted(let rounds) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(rounds == maxRounds)
        }
        // Each round asks every replica once, in order.
        #expect(attempts.all == Array(repeating: [0, 1, 2], count: maxRounds).flatMap { $0 })
    }

    @Test func aRetryVerdictMovesOnToTheNextReplicaWithinTheRound() async throws {
        let caller = Self.caller(replicas: 3, maxRounds: 1)
        let attempts = Attempts()
        // Replica 0 lags (its answer is not final), replica 1 answers.
        let reply = try await caller.perform({ replica, _ in
            _ = attempts.record(replica)
            return replica
        }) { $0 == 0 ? .retry : .final }
        #expect(reply == 1)
        #expect(attempts.all == [0, 1])
        // The next operation starts at the replica that answered.
        #expect(try await caller.perform({ replica, _ in replica }) { _ in .final } == 1)
    }

    @Test func withoutALimitTheCallerKeepsGoingPastARound() async throws {
        let caller = Self.caller(replicas: 2, maxRounds: nil)
        let attempts = Attempts()
        let reply = try await caller.perform({ replica, _ -> Int in
            guard attempts.record(replica) > 7 else { throw RPCError(code: .unavailable, message: "down") }
            return replica
        }) { _ in .final }
        #expect(attempts.all.count == 8)
        #expect(reply == 1)
    }

    @Test func aNonRetryableErrorEndsTheOperationAtOnce() async {
        let caller = Self.caller(replicas: 3, maxRounds: 5)
        let attempts = Attempts()
        do {
            _ = try await caller.perform({ replica, _ -> Int in
                _ = attempts.record(replica)
                throw RPCError(code: .invalidArgument, message: "bad")
            }) { _ in .final }
            Issue.record("a refused request succeeded")
        } catch {
            guard case .rejected(let rpcError) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(rpcError.code == .invalidArgument)
        }
        #expect(attempts.all == [0])
    }
}
