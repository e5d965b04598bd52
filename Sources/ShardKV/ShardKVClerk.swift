public import RPCCore
import RaftRuntime
import RSM
public import ShardController

/// A client of the sharded KV service (6.824 Lab 4B's `Clerk`): finds the group serving a
/// key's shard from a cached configuration, calls it, and re-reads the configuration when the
/// group answers `.wrongGroup` or does not answer.
///
/// Each operation: key → shard (``key2shard(_:)``) → gid in the cached configuration → one
/// round over that group's servers (following leader hints; see `ReplicaGroupCaller`). If the
/// group answered, that is the result; after `.wrongGroup`, a round without an answer, or when
/// no group owns the shard, the clerk pauses ``Configuration/retryPause`` (not before its first
/// configuration) and asks the controller for the latest configuration, then tries again.
/// Writes carry a session (a random non-zero client id and a sequence number per write, kept
/// across retries), so a write applies once even if it is retried at another group after its
/// shard moved: de-duplication records travel with the shard. Sessions are per shard: before
/// its first write to a shard the clerk opens its session there (`OpenSession`). If the shard's
/// group evicted the session (more clients than its per-shard limit wrote since), the write
/// throws ``ShardKVClerkError/sessionExpired(clientID:sequence:)`` and the clerk takes a new id.
///
/// By default an operation retries until it succeeds (the lab's contract); with
/// ``Configuration/operationTimeout`` it throws ``ShardKVClerkError/timedOut(_:)``. A clerk makes
/// one call at a time (overlapping calls trap); use one clerk per concurrent client.
public actor ShardKVClerk {
    public struct Configuration: Sendable {
        /// Give up on an operation after this long; `nil` retries forever (the labs).
        public var operationTimeout: Duration? = nil
        /// Longest one RPC to one server may take.
        public var rpcTimeout: Duration = .seconds(1)
        /// Pause before re-reading the configuration (the lab's 100 ms).
        public var retryPause: Duration = .milliseconds(100)
        /// The clock the operation timeout and pauses run on (a simulation passes its virtual
        /// clock).
        public var clock: any Clock<Duration> = ContinuousClock()

        public init() {}
    }

    public nonisolated let configuration: Configuration
    private let controller: any ShardConfigSource
    private let makeClient: @Sendable (String) -> RPCClient
    private var config = ShardConfig()
    /// One caller per group, for the server list it was made for.
    private var callers: [UInt64: (servers: [String], caller: ReplicaGroupCaller<ShardKVClient>)] = [:]
    /// The session; it is opened per shard.
    private var session: ClerkSession
    private var busy = false

    /// The client id of the clerk's current session (a new one after a session expired).
    public var clientID: UInt64 { session.current.clientID }

    /// - Parameters:
    ///   - controller: where to read configurations (the clerk makes one call at a time).
    ///   - makeClient: a client for a server, by the name configurations list it under.
    ///   - clientID: non-zero; random by default (two clerks must never share one).
    public init(
        controller: any ShardConfigSource, makeClient: @escaping @Sendable (String) -> RPCClient,
        configuration: Configuration = Configuration(), clientID: UInt64 = UInt64.random(in: 1...UInt64.max)
    ) {
        precondition(clientID != 0, "client id 0 means no session")
        precondition(configuration.rpcTimeout > .zero, "rpcTimeout must be positive")
        self.controller = controller
        self.makeClient = makeClient
        self.configuration = configuration
        session = ClerkSession(clientID: clientID)
    }

    /// The configuration the clerk routes by (refreshed when a group answers `.wrongGroup`).
    public var cachedConfig: ShardConfig { config }

    // MARK: Bytes API

    /// The value of `key`, or `nil` if it does not exist.
    public func get(_ key: [UInt8]) async throws(ShardKVClerkError) -> [UInt8]? {
        let request = ShardKVGetRequest(key: key)
        let reply = try await perform(key, { try await $0.get(request, options: $1) }) { ($0.outcome, $0.leader) }
        return reply.outcome == .ok ? reply.value : nil
    }

    public func put(_ key: [UInt8], _ value: [UInt8]) async throws(ShardKVClerkError) {
        _ = try await write(key) { ShardKVPutRequest(session: $0, key: key, value: value) } call: {
            try await $0.put($1, options: $2)
        }
    }

    /// Appends `value` to the value of `key` (a missing key counts as empty).
    public func append(_ key: [UInt8], _ value: [UInt8]) async throws(ShardKVClerkError) {
        _ = try await write(key) { ShardKVAppendRequest(session: $0, key: key, value: value) } call: {
            try await $0.append($1, options: $2)
        }
    }

    /// Removes `key`; returns whether it existed.
    @discardableResult
    public func delete(_ key: [UInt8]) async throws(ShardKVClerkError) -> Bool {
        let reply = try await write(key) { ShardKVDeleteRequest(session: $0, key: key) } call: {
            try await $0.delete($1, options: $2)
        }
        return reply.outcome == .ok
    }

    // MARK: Lab API (UTF-8 strings)

    /// The lab's Get: the value of `key`, or "" if it does not exist.
    public func get(_ key: String) async throws(ShardKVClerkError) -> String {
        String(decoding: try await get(Array(key.utf8)) ?? [], as: UTF8.self)
    }

    public func put(_ key: String, _ value: String) async throws(ShardKVClerkError) {
        try await put(Array(key.utf8), Array(value.utf8))
    }

    public func append(_ key: String, _ value: String) async throws(ShardKVClerkError) {
        try await append(Array(key.utf8), Array(value.utf8))
    }

    // MARK: Routing and retrying

    /// Runs one write: opens the session on the key's shard first if it is not open there,
    /// numbers the write, and after `.sessionExpired` starts a new session for the next write.
    private func write<Request: Sendable>(
        _ key: [UInt8], _ makeRequest: (ClientSession) -> Request,
        call: @escaping @Sendable (ShardKVClient, Request, CallOptions) async throws -> ShardKVWriteReply
    ) async throws(ShardKVClerkError) -> ShardKVWriteReply {
        let shard = key2shard(key)
        if !session.isOpen(in: shard) {
            let opening = ShardKVOpenSessionRequest(clientID: clientID, key: key)
            _ = try await perform(key, { try await $0.openSession(opening, options: $1) }) { ($0.outcome, $0.leader) }
            session.markOpen(in: shard)
        }
        let numbered = session.nextWrite()
        let request = makeRequest(numbered)
        let reply = try await perform(key, { try await call($0, request, $1) }) { ($0.outcome, $0.leader) }
        if reply.outcome == .sessionExpired {
            session.renew()
            throw .sessionExpired(clientID: numbered.clientID, sequence: numbered.sequence)
        }
        return reply
    }

    private func perform<Reply: Sendable>(
        _ key: [UInt8], _ attempt: @escaping @Sendable (ShardKVClient, CallOptions) async throws -> Reply,
        outcome: @escaping @Sendable (Reply) -> (ShardKVOutcome, LeaderHint?)
    ) async throws(ShardKVClerkError) -> Reply {
        precondition(!busy, "a ShardKVClerk makes one call at a time")
        busy = true
        defer { busy = false }
        let start = ElapsedClock(configuration.clock)
        let shard = key2shard(key)
        // Ends when a group answers, the task is cancelled, or the optional timeout passes;
        // without a timeout it retries forever by design (the lab's contract).
        while true {
            if let reply = try await askOwner(of: shard, attempt, outcome: outcome, since: start) { return reply }
            let remaining = try remainingTime(since: start)
            // A clerk that has never read a configuration asks at once; otherwise it pauses so a
            // group in the middle of a change is not flooded.
            if config.num != 0 {
                do {
                    try await start.sleep(for: min(configuration.retryPause, remaining ?? configuration.retryPause))
                } catch {
                    throw .cancelled
                }
            }
            await refreshConfig(within: try remainingTime(since: start))
        }
    }

    /// One round at the group that owns `shard` in the cached configuration: its reply, or
    /// `nil` if there is no such group, it answered `.wrongGroup`, or no server answered.
    /// With an operation timeout, no RPC of the round outlasts the operation (it started at
    /// `start`).
    private func askOwner<Reply: Sendable>(
        of shard: Int, _ attempt: @escaping @Sendable (ShardKVClient, CallOptions) async throws -> Reply,
        outcome: @escaping @Sendable (Reply) -> (ShardKVOutcome, LeaderHint?), since start: ElapsedClock
    ) async throws(ShardKVClerkError) -> Reply? {
        let gid = config.shards[shard]
        guard gid != ShardConfig.noGroup, let servers = config.groups[gid], !servers.isEmpty else { return nil }
        let caller = caller(gid: gid, servers: servers)
        let remaining = configuration.operationTimeout.map { $0 - start.now }
        let reply: Reply
        do {
            reply = try await caller.perform(within: remaining, attempt) { reply in
                let (result, hint) = outcome(reply)
                switch result {
                case .ok, .noKey, .wrongGroup, .notReady, .invalidArgument, .sessionExpired:
                    return .final
                case .wrongLeader:
                    return .wrongLeader(leaderID: hint?.leaderID ?? 0, address: hint?.address ?? "")
                case .timeout:
                    return .retry
                }
            }
        } catch {
            switch error {
            case .cancelled: throw .cancelled
            case .rejected(let rpcError): throw .rejected(rpcError)
            case .timedOut, .roundsExhausted: return nil
            }
        }
        switch outcome(reply).0 {
        case .ok, .noKey, .sessionExpired:
            return reply
        case .invalidArgument:
            throw .rejected(RPCError(code: .invalidArgument, message: "The group refused the command."))
        case .wrongGroup, .notReady, .wrongLeader, .timeout:
            return nil
        }
    }

    private func caller(gid: UInt64, servers: [String]) -> ReplicaGroupCaller<ShardKVClient> {
        if let cached = callers[gid], cached.servers == servers { return cached.caller }
        // A group's members may change after the configuration listed them: a hint naming a
        // member added since is followed (the configuration keeps the servers it joined with).
        let makeClient = self.makeClient
        let caller = ReplicaGroupCaller(
            replicas: servers.map { ReplicaGroupCaller.Replica(client: ShardKVClient(wrapping: makeClient($0)), address: $0) },
            policy: ReplicaGroupCaller.Policy(
                operationTimeout: nil, rpcTimeout: configuration.rpcTimeout, retryPause: .zero, maxRounds: 1,
                clock: configuration.clock),
            discover: { ShardKVClient(wrapping: makeClient($0)) })
        callers[gid] = (servers, caller)
        return caller
    }

    /// Time left of the operation (`nil`: no limit); throws once it is used up.
    private func remainingTime(since start: ElapsedClock) throws(ShardKVClerkError) -> Duration? {
        if Task.isCancelled { throw .cancelled }
        guard let limit = configuration.operationTimeout else { return nil }
        let remaining = limit - start.now
        guard remaining > .zero else { throw .timedOut(limit) }
        return remaining
    }

    /// Reads the latest configuration (keeps the cached one if the controller does not answer
    /// in time) and forgets callers of groups that left.
    private func refreshConfig(within remaining: Duration?) async {
        let controller = self.controller
        let latest: ShardConfig?
        if let remaining {
            latest = try? await withTimeout(remaining, on: configuration.clock) { try await controller.config(nil) }
        } else {
            latest = try? await controller.config(nil)
        }
        // An inconsistent configuration (a gid without servers) would strand the keys it names:
        // keep routing by the one cached until the controller has a usable one.
        guard let latest, latest.num >= config.num, latest.inconsistency == nil else { return }
        config = latest
        callers = callers.filter { latest.groups[$0.key] == $0.value.servers }
    }
}
