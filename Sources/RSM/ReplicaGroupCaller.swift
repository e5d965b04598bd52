public import RPCCore
import RaftRuntime
import Synchronization

/// Calls one replica group the way a clerk of a replicated service must: it remembers the
/// replica that last answered and starts there; on a wrong-leader answer it follows the
/// leader hint when it names a known replica (or, given a `discover` factory, a member added
/// after the caller was made: the hint's address joins the replicas), else it tries the next
/// one; transport failures and timeouts move on to the next. After every replica failed once
/// in a row it pauses ``Policy/retryPause`` (so a leaderless or partitioned group is not
/// flooded).
///
/// With ``Policy/operationTimeout`` `nil` (the labs' contract) an operation retries until a
/// replica answers it or the task is cancelled. RPC errors that retrying cannot fix
/// (`INVALID_ARGUMENT`, …) end the operation at once.
///
/// Shared by the clerks of every service on the RSM layer (KVRaft's `Clerk`, the shard
/// controller's clerk), each of which adds its sessions and maps ``Failure`` to its own error.
///
/// Not an actor: its one piece of state, the preferred replica, sits behind a mutex (never
/// held across an `await`), so an operation runs on its caller's executor without hopping to
/// an actor and back on every attempt. Concurrent operations interleave at their awaits as
/// they would on an actor.
public final class ReplicaGroupCaller<Client: Sendable>: Sendable {
    /// One replica of the group.
    public struct Replica: Sendable {
        public var client: Client
        /// Its Raft id, to follow leader hints (`nil`: hints by id are not matched to it).
        public var id: UInt64?
        /// Its address, to follow leader hints that carry one.
        public var address: String?

        public init(client: Client, id: UInt64? = nil, address: String? = nil) {
            self.client = client
            self.id = id
            self.address = address
        }
    }

    /// Time limits of one operation.
    public struct Policy: Sendable {
        /// Give up on an operation after this long; `nil` retries forever.
        public var operationTimeout: Duration?
        /// Longest one attempt (one RPC) may take.
        public var rpcTimeout: Duration
        /// Pause after every replica failed once in a row.
        public var retryPause: Duration
        /// Give up after this many rounds in which every replica failed once (a sharded
        /// clerk then re-reads its configuration); `nil` keeps going.
        public var maxRounds: Int?
        /// The clock the timeouts and pauses run on (a simulation passes its virtual clock;
        /// each RPC's own deadline is the transport's).
        public var clock: any Clock<Duration>

        public init(
            operationTimeout: Duration?, rpcTimeout: Duration, retryPause: Duration, maxRounds: Int? = nil,
            clock: any Clock<Duration> = ContinuousClock()
        ) {
            precondition(maxRounds.map { $0 >= 1 } ?? true, "maxRounds must be at least 1")
            self.operationTimeout = operationTimeout
            self.rpcTimeout = rpcTimeout
            self.retryPause = retryPause
            self.maxRounds = maxRounds
            self.clock = clock
        }
    }

    /// What a reply means for the operation.
    public enum Verdict: Sendable {
        /// A final answer: return it.
        case final
        /// The replica does not lead; the hint names the leader if known (0 / "" = unknown).
        case wrongLeader(leaderID: UInt64, address: String)
        /// Not answered in time (the group may have no quorum): try the next replica.
        case retry
    }

    /// Why an operation ended without a reply.
    public enum Failure: Error, Sendable {
        /// No replica answered within ``Policy/operationTimeout`` (or before the call's deadline).
        case timedOut(Duration)
        /// Every replica failed in each of ``Policy/maxRounds`` rounds.
        case roundsExhausted(Int)
        /// The calling task was cancelled.
        case cancelled
        /// A replica refused the request for a reason retrying cannot fix.
        case rejected(RPCError)
    }

    /// Most replicas learnt from leader hints (members added to the group after its server
    /// list was made); hints past it are not followed.
    public static var maxDiscoveredReplicas: Int { 16 }

    private struct State {
        var replicas: [Replica]
        /// Index (into `replicas`) of the replica to try first.
        var preferred = 0
        var discovered = 0
    }

    private let state: Mutex<State>
    private let policy: Policy
    /// `policy.clock`, made once (an operation measures its time as a difference of readings:
    /// making an `ElapsedClock` per operation allocated two closures each time).
    private let clock: ElapsedClock
    private let discover: (@Sendable (String) -> Client)?

    /// - Parameters:
    ///   - replicas: every replica of the group, in any order (at least one).
    ///   - discover: a client for an address a leader hint names that no replica has (a member
    ///     added since the list was made); `nil`: such hints are not followed.
    public init(replicas: [Replica], policy: Policy, discover: (@Sendable (String) -> Client)? = nil) {
        precondition(!replicas.isEmpty, "a replica group has at least one replica")
        precondition(policy.rpcTimeout > .zero, "rpcTimeout must be positive")
        state = Mutex(State(replicas: replicas))
        self.policy = policy
        self.clock = ElapsedClock(policy.clock)
        self.discover = discover
    }

    /// Runs one operation against the replicas until one answers it with a final reply.
    ///
    /// - Parameter limit: the time this call may take besides ``Policy/operationTimeout`` (for
    ///   a caller whose operation spans several calls, such as a sharded clerk's rounds); no
    ///   RPC outlasts it, and once it passes the call throws ``Failure/timedOut(_:)``.
    public func perform<Reply: Sendable>(
        within limit: Duration? = nil,
        _ attempt: @Sendable (Client, CallOptions) async throws -> Reply,
        verdict: @Sendable (Reply) -> Verdict
    ) async throws(Failure) -> Reply {
        let start = clock.now
        let end = Self.earlier(limit, policy.operationTimeout)
        var failuresInARow = 0
        var rounds = 0
        // Terminates when a replica answers, the task is cancelled, the optional timeout passes
        // or the optional round limit is reached; without either it retries forever by design
        // (the lab's contract).
        while true {
            if Task.isCancelled { throw .cancelled }
            var timeout = policy.rpcTimeout
            if let end {
                let remaining = end - (clock.now - start)
                guard remaining > .zero else { throw .timedOut(end) }
                timeout = min(timeout, remaining)
            }
            let (replica, client, count) = state.withLock {
                ($0.preferred, $0.replicas[$0.preferred].client, $0.replicas.count)
            }
            var next = (replica + 1) % count
            do {
                let reply = try await attempt(client, CallOptions(timeout: timeout))
                switch verdict(reply) {
                case .final:
                    return reply
                case .wrongLeader(let leaderID, let address):
                    if let hinted = index(leaderID: leaderID, address: address), hinted != replica { next = hinted }
                case .retry:
                    break
                }
            } catch let error as RPCError where !Self.isRetryable(error.code) {
                throw .rejected(error)
            } catch {
                // Unreachable, lost, timed out, or stopped: try the next replica.
            }
            state.withLock { $0.preferred = next }
            failuresInARow += 1
            if failuresInARow >= count {
                failuresInARow = 0
                rounds += 1
                if let limit = policy.maxRounds, rounds >= limit { throw .roundsExhausted(limit) }
                try? await clock.sleep(for: policy.retryPause)
            }
        }
    }

    /// The earlier of two optional limits (`nil`: none).
    private static func earlier(_ a: Duration?, _ b: Duration?) -> Duration? {
        guard let a else { return b }
        guard let b else { return a }
        return min(a, b)
    }

    private func index(leaderID: UInt64, address: String) -> Int? {
        let known = state.withLock { state -> Int? in
            if leaderID != 0, let i = state.replicas.firstIndex(where: { $0.id == leaderID }) { return i }
            if !address.isEmpty, let i = state.replicas.firstIndex(where: { $0.address == address }) { return i }
            return nil
        }
        if let known { return known }
        guard let discover, !address.isEmpty else { return nil }
        // Made outside the lock (a factory may block on a pool's lock); a concurrent operation
        // following the same hint may add it first.
        let client = discover(address)
        return state.withLock { state in
            if let i = state.replicas.firstIndex(where: { $0.address == address }) { return i }
            guard state.discovered < Self.maxDiscoveredReplicas else { return nil }
            state.discovered += 1
            state.replicas.append(Replica(client: client, id: leaderID == 0 ? nil : leaderID, address: address))
            return state.replicas.count - 1
        }
    }

    /// Transport and overload failures are retried; anything else means the request itself
    /// is wrong (or the server is broken) and is reported.
    public static func isRetryable(_ code: Status.Code) -> Bool {
        switch code {
        case .unavailable, .deadlineExceeded, .resourceExhausted, .aborted, .cancelled, .unknown: true
        default: false
        }
    }
}
