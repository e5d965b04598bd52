import RPCCore
import RSM
import Synchronization

/// A client of a KVRaft group (6.824 Lab 3's `Clerk`): finds the leader, retries, and makes
/// every write apply exactly once.
///
/// Each clerk has a random non-zero client id, opens its session before its first write
/// (`OpenSession`) and numbers its writes 1, 2, 3, …; a write is retried with the same number
/// until some server answers it, so the group's session table applies it once. Gets carry no
/// session. If the group evicted the session (more clients than its session limit wrote since
/// this clerk's last write), the write throws ``ClerkError/sessionExpired(clientID:sequence:)``
/// and the clerk takes a new random id for its next write. The clerk remembers the server that last answered
/// and starts there; on `.wrongLeader` it follows the reply's leader hint when it names a known
/// server, else it tries the next one; transport failures and `.timeout` move on to the next.
/// After every server failed once in a row it pauses ``Configuration/retryPause``.
///
/// By default (``Configuration/operationTimeout`` `nil`, the lab's contract) an operation
/// retries until it succeeds or the task is cancelled; with a timeout it throws
/// ``ClerkError/timedOut(_:)``. Errors retrying cannot fix (`INVALID_ARGUMENT`, …) throw
/// ``ClerkError/rejected(_:)`` at once.
///
/// A clerk makes one call at a time (the sessions' contract); overlapping calls are a
/// programmer error and trap. Use one clerk per concurrent client.
///
/// Not an actor: its state (the write sequence, the one-call-at-a-time flag) sits behind a
/// mutex never held across an `await`, so an operation runs on its caller's executor (a task
/// that prefers its transport's event loop stays there) instead of hopping to an actor.
public final class Clerk: Sendable {
    /// One server of the group.
    public struct Server: Sendable {
        public var client: KVClient
        /// Its Raft id, to follow leader hints (`nil`: hints by id are not matched to it).
        public var id: UInt64?
        /// Its address, to follow leader hints that carry one.
        public var address: String?

        public init(client: KVClient, id: UInt64? = nil, address: String? = nil) {
            self.client = client
            self.id = id
            self.address = address
        }
    }

    public struct Configuration: Sendable {
        /// Give up on an operation after this long; `nil` retries forever (the labs).
        public var operationTimeout: Duration? = nil
        /// Longest one attempt (one RPC) may take.
        public var rpcTimeout: Duration = .seconds(3)
        /// Pause after every server failed once in a row (keeps a leaderless or partitioned
        /// group from being flooded).
        public var retryPause: Duration = .milliseconds(20)

        /// The clock the operation timeout and pauses run on (a simulation passes its virtual
        /// clock; each RPC's own deadline is the transport's).
        public var clock: any Clock<Duration> = ContinuousClock()

        public init() {}
    }

    /// The outcome of ``compareAndSwap(_:expected:new:)``.
    public enum CompareAndSwapResult: Sendable, Hashable {
        case swapped
        /// Nothing was written; `current` is the key's value (`nil`: the key does not exist).
        case failed(current: [UInt8]?)
    }

    public let configuration: Configuration
    private let group: ReplicaGroupCaller<KVClient>
    /// The session, and whether an operation is in progress.
    private let state: Mutex<(session: ClerkSession, busy: Bool)>

    /// The client id of the clerk's current session (a new one after a session expired).
    public var clientID: UInt64 { state.withLock { $0.session.current.clientID } }

    /// - Parameters:
    ///   - servers: every server of the group, in any order (at least one).
    ///   - clientID: non-zero; random by default (two clerks must never share one).
    public init(
        servers: [Server], configuration: Configuration = Configuration(),
        clientID: UInt64 = UInt64.random(in: 1...UInt64.max)
    ) {
        precondition(!servers.isEmpty, "a Clerk needs at least one server")
        precondition(clientID != 0, "client id 0 means no session")
        precondition(configuration.rpcTimeout > .zero, "rpcTimeout must be positive")
        group = ReplicaGroupCaller(
            replicas: servers.map { ReplicaGroupCaller.Replica(client: $0.client, id: $0.id, address: $0.address) },
            policy: ReplicaGroupCaller.Policy(
                operationTimeout: configuration.operationTimeout, rpcTimeout: configuration.rpcTimeout,
                retryPause: configuration.retryPause, clock: configuration.clock))
        self.configuration = configuration
        state = Mutex((ClerkSession(clientID: clientID), false))
    }

    /// A clerk over plain clients (leader hints by id are then not followed).
    public convenience init(clients: [KVClient], configuration: Configuration = Configuration()) {
        self.init(servers: clients.map { Server(client: $0) }, configuration: configuration)
    }

    // MARK: Bytes API

    /// The value of `key`, or `nil` if it does not exist.
    public func get(_ key: [UInt8]) async throws(ClerkError) -> [UInt8]? {
        begin()
        defer { end() }
        let reply = try await perform { try await $0.get(GetRequest(key: key), options: $1) }
        return reply.outcome == .ok ? reply.value : nil
    }

    public func put(_ key: [UInt8], _ value: [UInt8]) async throws(ClerkError) {
        _ = try await write { session in PutRequest(session: session, key: key, value: value) } call: {
            try await $0.put($1, options: $2)
        }
    }

    /// Appends `value` to the value of `key` (a missing key counts as empty).
    public func append(_ key: [UInt8], _ value: [UInt8]) async throws(ClerkError) {
        _ = try await write { session in AppendRequest(session: session, key: key, value: value) } call: {
            try await $0.append($1, options: $2)
        }
    }

    /// Removes `key`; returns whether it existed.
    @discardableResult
    public func delete(_ key: [UInt8]) async throws(ClerkError) -> Bool {
        let reply = try await write { session in DeleteRequest(session: session, key: key) } call: {
            try await $0.delete($1, options: $2)
        }
        return reply.outcome == .ok
    }

    /// Sets `key` to `new` if its value is `expected` (`nil`: if the key does not exist).
    public func compareAndSwap(
        _ key: [UInt8], expected: [UInt8]?, new: [UInt8]
    ) async throws(ClerkError) -> CompareAndSwapResult {
        let reply = try await write { session in
            CompareAndSwapRequest(
                session: session, key: key, expected: expected ?? [], expectAbsent: expected == nil, value: new)
        } call: {
            try await $0.compareAndSwap($1, options: $2)
        }
        switch reply.outcome {
        case .ok: return .swapped
        default: return .failed(current: reply.currentPresent ? reply.current : nil)
        }
    }

    // MARK: Lab API (UTF-8 strings)

    /// The lab's Get: the value of `key`, or "" if it does not exist.
    public func get(_ key: String) async throws(ClerkError) -> String {
        String(decoding: try await get(Array(key.utf8)) ?? [], as: UTF8.self)
    }

    public func put(_ key: String, _ value: String) async throws(ClerkError) {
        try await put(Array(key.utf8), Array(value.utf8))
    }

    public func append(_ key: String, _ value: String) async throws(ClerkError) {
        try await append(Array(key.utf8), Array(value.utf8))
    }

    // MARK: Retrying

    /// Runs one write: opens the session first if the group has not opened it, numbers the
    /// write, and after `.sessionExpired` starts a new session for the next write.
    private func write<Request: Sendable, Reply: Sendable & KVReply>(
        _ makeRequest: (ClientSession) -> Request,
        call: @escaping @Sendable (KVClient, Request, CallOptions) async throws -> Reply
    ) async throws(ClerkError) -> Reply {
        begin()
        defer { end() }
        if !state.withLock({ $0.session.isOpen() }) {
            let opening = OpenSessionRequest(clientID: clientID)
            _ = try await perform { try await $0.openSession(opening, options: $1) }
            state.withLock { $0.session.markOpen() }
        }
        let session = state.withLock { $0.session.nextWrite() }
        let request = makeRequest(session)
        let reply = try await perform { try await call($0, request, $1) }
        if reply.outcome == .sessionExpired {
            state.withLock { $0.session.renew() }
            throw .sessionExpired(clientID: session.clientID, sequence: session.sequence)
        }
        return reply
    }

    private func begin() {
        state.withLock { state in
            precondition(!state.busy, "a Clerk makes one call at a time")
            state.busy = true
        }
    }

    private func end() {
        state.withLock { $0.busy = false }
    }

    /// Runs one RPC through the group caller (see ``ReplicaGroupCaller``) until a final outcome.
    private func perform<Reply: Sendable & KVReply>(
        _ attempt: @escaping @Sendable (KVClient, CallOptions) async throws -> Reply
    ) async throws(ClerkError) -> Reply {
        do {
            return try await group.perform(attempt) { reply in
                switch reply.outcome {
                case .ok, .noKey, .compareFailed, .sessionExpired:
                    return .final
                case .wrongLeader:
                    return .wrongLeader(leaderID: reply.leader?.leaderID ?? 0, address: reply.leader?.address ?? "")
                case .timeout:
                    return .retry
                }
            }
        } catch {
            switch error {
            case .timedOut(let limit): throw .timedOut(limit)
            case .cancelled: throw .cancelled
            case .rejected(let rpcError): throw .rejected(rpcError)
            case .roundsExhausted: preconditionFailure("this clerk sets no round limit")
            }
        }
    }
}

/// The parts of a KV reply the clerk's retry loop reads.
protocol KVReply {
    var outcome: KVOutcome { get }
    var leader: LeaderHint? { get }
}

extension GetReply: KVReply {}
extension WriteReply: KVReply {}
extension CompareAndSwapReply: KVReply {}
