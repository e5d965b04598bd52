import RPCCore
import RSM
import Simulation
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

    /// The operation timeout and the pauses run on the injected clock: a group that never
    /// answers is given up on after an hour of virtual time, in a moment of real time, having
    /// paused `retryPause` between rounds (60 rounds of 3 attempts).
    @Test func timeoutsAndPausesFollowTheInjectedClock() async throws {
        let scheduler = SimulationScheduler()
        let realStart = ContinuousClock.now
        let attempts = Attempts()
        let caller = ReplicaGroupCaller(
            replicas: (0..<3).map { ReplicaGroupCaller.Replica(client: $0) },
            policy: ReplicaGroupCaller.Policy(
                operationTimeout: .seconds(3_600), rpcTimeout: .seconds(1), retryPause: .seconds(60),
                clock: scheduler.clock))
        let result: Result<Int, ReplicaGroupCaller<Int>.Failure> = try await scheduler.run {
            await Self.neverAnswered(caller, attempts: attempts)
        }
        let elapsed = scheduler.elapsed
        let failure: ReplicaGroupCaller<Int>.Failure? = if case .failure(let error) = result { error } else { nil }
        guard case .timedOut(let limit) = failure else {
            Issue.record("expected a timeout, got \(String(describing: failure))")
            return
        }
        #expect(limit == .seconds(3_600))
        #expect(elapsed >= .seconds(3_600) && elapsed < .seconds(3_600) + .milliseconds(10), "virtual time \(elapsed)")
        #expect(attempts.all.count == 180, "attempts: \(attempts.all.count)")
        // Far below the hour the wall clock would take, far above a starved machine's delays.
        #expect(ContinuousClock.now - realStart < .seconds(300), "the operation took real time")
    }

    /// One operation whose every attempt fails as unavailable.
    static func neverAnswered(
        _ caller: ReplicaGroupCaller<Int>, attempts: Attempts
    ) async -> Result<Int, ReplicaGroupCaller<Int>.Failure> {
        do throws(ReplicaGroupCaller<Int>.Failure) {
            let reply = try await caller.perform({ replica, _ -> Int in
                _ = attempts.record(replica)
                throw RPCError(code: .unavailable, message: "down")
            }) { _ in .final }
            return .success(reply)
        } catch {
            return .failure(error)
        }
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

    /// A hint naming an address no replica has (a member added after the list was made) is
    /// followed through `discover`, once per address, up to the limit; without `discover` the
    /// caller moves on to the next replica.
    @Test func aHintToANewMemberIsFollowedThroughDiscover() async throws {
        let made = Mutex<[String]>([])
        let caller = ReplicaGroupCaller(
            replicas: (0..<2).map { ReplicaGroupCaller.Replica(client: $0, address: "h:\($0)") },
            policy: ReplicaGroupCaller.Policy(
                operationTimeout: nil, rpcTimeout: .seconds(1), retryPause: .milliseconds(1), maxRounds: 2),
            discover: { address in
                made.withLock { $0.append(address) }
                return Int(address.dropFirst(2))!
            })
        // Replicas 0 and 1 name member 7 at h:7, which answers.
        let attempts = Attempts()
        let verdict: @Sendable (Int) -> ReplicaGroupCaller<Int>.Verdict = {
            $0 == 7 ? .final : .wrongLeader(leaderID: 7, address: "h:7")
        }
        let reply = try await caller.perform({ replica, _ in
            _ = attempts.record(replica)
            return replica
        }, verdict: verdict)
        #expect(reply == 7 && attempts.all == [0, 7])
        // It stays known: the next operation starts there, and it was made once.
        #expect(try await caller.perform({ replica, _ in replica }, verdict: verdict) == 7)
        #expect(made.withLock { $0 } == ["h:7"])

        let fixed = Self.caller(replicas: 2, maxRounds: 1)
        let fixedAttempts = Attempts()
        _ = try? await fixed.perform({ replica, _ in
            _ = fixedAttempts.record(replica)
            return replica
        }) { _ in .wrongLeader(leaderID: 7, address: "h:7") }
        #expect(fixedAttempts.all == [0, 1])
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
