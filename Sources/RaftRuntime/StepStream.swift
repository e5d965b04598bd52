import RPCCore
import Synchronization

/// One long-lived `StepStream` call to another member, over which ``RaftPeer`` sends its
/// `Step`s to it (``RaftPeer/Configuration/sendsOverStepStreams``; etcd's peers keep such
/// streams too). A unary `Step` costs each message a call of its own: a new HTTP/2 stream,
/// HEADERS encoded and decoded, a deadline timer and a handler task on the receiver, a task on
/// the sender. On the stream a message costs one DATA frame each way.
///
/// The receiver answers every request with exactly one response, in order, so responses pair
/// with requests first in, first out. The call is opened by the first ``send(_:)`` and again
/// by the first after it ended. However it ends (the receiver's graceful shutdown, a lost
/// connection, ``expire(olderThan:)``, ``close()``), the requests still unanswered are
/// reported failed once, as their unary calls would have failed, and Raft retries them. A
/// member that does not serve `StepStream` (an earlier version) is remembered:
/// ``send(_:)`` then returns `false` and the peer uses `Step`.
///
/// Thread safety: `Sendable` by its `Mutex`; the peer calls ``send(_:)``, ``expire(olderThan:)``
/// and ``close()`` from its actor, the call's task reports through `deliver`.
final class StepStream: Sendable {
    /// What the call's task reports to the peer.
    enum Event: Sendable {
        /// The response to the oldest unanswered request.
        case answered(StepResponse)
        /// `count` unanswered requests failed with `error` (the call ended).
        case failed(count: Int, error: any Error)
    }

    private struct State {
        /// Where ``send(_:)`` puts requests for the open call; `nil` when no call is open.
        var requests: AsyncStream<StepRequest>.Continuation?
        var call: Task<Void, Never>?
        /// Which call is open, counted up each time one ends: a call's task reports only while
        /// its generation is still the current one.
        var generation: UInt64 = 0
        /// When each unanswered request was sent, oldest first.
        var sentAt: [ContinuousClock.Instant] = []
        /// The member answered `UNIMPLEMENTED`: it does not serve `StepStream`.
        var unsupported = false
        var closed = false
    }

    private let state = Mutex(State())
    private let client: RaftPeerClient
    private let executor: (any TaskExecutor)?
    private let deliver: @Sendable (Event) async -> Void

    init(client: RaftPeerClient, executor: (any TaskExecutor)?, deliver: @escaping @Sendable (Event) async -> Void) {
        self.client = client
        self.executor = executor
        self.deliver = deliver
    }

    /// Requests sent and not yet answered.
    var unanswered: Int { state.withLock { $0.sentAt.count } }

    /// Sends `request` on the open call, opening one if none is; `false` (nothing sent) if the
    /// member does not serve `StepStream` or the stream was closed.
    func send(_ request: StepRequest) -> Bool {
        state.withLock { state in
            guard !state.unsupported, !state.closed else { return false }
            if state.requests == nil { open(&state) }
            state.sentAt.append(.now)
            state.requests?.yield(request)
            return true
        }
    }

    /// Ends the open call if its oldest unanswered request was sent more than `timeout` ago
    /// (the receiver or the link stalled: what a unary call's deadline would catch); returns
    /// how many requests that fails, for the caller to report (the call's task reports none).
    func expire(olderThan timeout: Duration) -> Int {
        let ended = state.withLock { state -> (call: Task<Void, Never>?, count: Int) in
            guard let oldest = state.sentAt.first, ContinuousClock.now - oldest > timeout else { return (nil, 0) }
            return Self.end(&state)
        }
        ended.call?.cancel()
        return ended.count
    }

    /// Ends the call for good; reports nothing.
    func close() {
        let call = state.withLock { state -> Task<Void, Never>? in
            state.closed = true
            return Self.end(&state).call
        }
        call?.cancel()
    }

    /// Forgets the open call (its task, if it still runs, reports nothing any more) and returns
    /// it with the number of requests it leaves unanswered.
    private static func end(_ state: inout State) -> (call: Task<Void, Never>?, count: Int) {
        let count = state.sentAt.count
        state.requests?.finish()
        state.requests = nil
        state.sentAt = []
        state.generation += 1
        defer { state.call = nil }
        return (state.call, count)
    }

    private func open(_ state: inout State) {
        let (requests, continuation) = AsyncStream.makeStream(of: StepRequest.self)
        let generation = state.generation
        state.requests = continuation
        let client = self.client
        // The call lasts as long as it is used: no deadline; `expire` catches a stalled one.
        state.call = Task(executorPreference: executor) { [weak self] in
            let error: any Error
            do {
                try await client.stepStream(requests, options: CallOptions(timeout: nil)) { [weak self] response in
                    guard let self, self.answered(generation) else { return }
                    await self.deliver(.answered(response))
                }
                error = RPCError(code: .unavailable, message: "The member ended the Step stream.")
            } catch let failure {
                error = failure
            }
            guard let self else { return }
            let count = self.ended(generation, error: error)
            if count > 0 { await self.deliver(.failed(count: count, error: error)) }
        }
    }

    /// Takes the oldest unanswered request of call `generation`; `false` if that call is no
    /// longer the open one (its requests were reported failed already).
    private func answered(_ generation: UInt64) -> Bool {
        state.withLock { state in
            guard state.generation == generation, !state.sentAt.isEmpty else { return false }
            state.sentAt.removeFirst()
            return true
        }
    }

    /// Call `generation` ended with `error`: forgets it if it is still the open one and returns
    /// how many of its requests were left unanswered.
    private func ended(_ generation: UInt64, error: any Error) -> Int {
        state.withLock { state in
            guard state.generation == generation else { return 0 }
            if let error = error as? RPCError, error.code == .unimplemented { state.unsupported = true }
            return Self.end(&state).count
        }
    }
}
