import RPCCore
import RSM

/// A client of a shard controller group (6.824 Lab 4A's `Clerk`): finds the leader, retries,
/// and makes every Join, Leave and Move apply exactly once.
///
/// Each clerk has a random non-zero client id, opens its session before its first change
/// (`OpenSession`) and numbers its changes 1, 2, 3, …; a change is retried with the same number
/// until some server answers it, so the group's session table applies it once. Queries carry no
/// session. After ``ShardCtrlerClerkError/sessionExpired(clientID:sequence:)`` (the group evicted
/// the session) the clerk takes a new random id. The clerk remembers the server that last
/// answered and starts there; on `.wrongLeader` it follows the reply's leader hint when it
/// names a known server, else it tries the next one; transport failures and `.timeout` move on
/// to the next. After every server failed once in a row it pauses
/// ``Configuration/retryPause``.
///
/// By default (``Configuration/operationTimeout`` `nil`, the lab's contract) an operation
/// retries until it succeeds or the task is cancelled; with a timeout it throws
/// ``ShardCtrlerClerkError/timedOut(_:)``. Errors retrying cannot fix (`INVALID_ARGUMENT`, …)
/// throw ``ShardCtrlerClerkError/rejected(_:)`` at once.
///
/// A clerk makes one call at a time (the sessions' contract); overlapping calls are a
/// programmer error and trap. Use one clerk per concurrent client.
public actor ShardCtrlerClerk {
    /// One server of the controller group.
    public struct Server: Sendable {
        public var client: ShardCtrlerClient
        /// Its Raft id, to follow leader hints (`nil`: hints by id are not matched to it).
        public var id: UInt64?
        /// Its address, to follow leader hints that carry one.
        public var address: String?

        public init(client: ShardCtrlerClient, id: UInt64? = nil, address: String? = nil) {
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
        /// Pause after every server failed once in a row (the lab's clerk sleeps 100 ms).
        public var retryPause: Duration = .milliseconds(20)

        /// The clock the operation timeout and pauses run on (a simulation passes its virtual
        /// clock; each RPC's own deadline is the transport's).
        public var clock: any Clock<Duration> = ContinuousClock()

        public init() {}
    }

    public nonisolated let configuration: Configuration
    private let group: ReplicaGroupCaller<ShardCtrlerClient>
    private var session: ClerkSession
    private var busy = false

    /// The client id of the clerk's current session (a new one after a session expired).
    public var clientID: UInt64 { session.current.clientID }

    /// - Parameters:
    ///   - servers: every server of the controller group, in any order (at least one).
    ///   - clientID: non-zero; random by default (two clerks must never share one).
    public init(
        servers: [Server], configuration: Configuration = Configuration(),
        clientID: UInt64 = UInt64.random(in: 1...UInt64.max)
    ) {
        precondition(!servers.isEmpty, "a ShardCtrlerClerk needs at least one server")
        precondition(clientID != 0, "client id 0 means no session")
        precondition(configuration.rpcTimeout > .zero, "rpcTimeout must be positive")
        group = ReplicaGroupCaller(
            replicas: servers.map { ReplicaGroupCaller.Replica(client: $0.client, id: $0.id, address: $0.address) },
            policy: ReplicaGroupCaller.Policy(
                operationTimeout: configuration.operationTimeout, rpcTimeout: configuration.rpcTimeout,
                retryPause: configuration.retryPause, clock: configuration.clock))
        self.configuration = configuration
        session = ClerkSession(clientID: clientID)
    }

    /// A clerk over plain clients (leader hints by id are then not followed).
    public init(clients: [ShardCtrlerClient], configuration: Configuration = Configuration()) {
        self.init(servers: clients.map { Server(client: $0) }, configuration: configuration)
    }

    /// Configuration `num`; -1 (the default) or a number past the latest gives the latest.
    public func query(_ num: Int64 = QueryRequest.latest) async throws(ShardCtrlerClerkError) -> ShardConfig {
        let request = QueryRequest(num: num)
        let reply = try await perform({ try await $0.query(request, options: $1) }) { ($0.outcome, $0.leader) }
        guard let config = reply.config else {
            throw .rejected(RPCError(code: .internal, message: "A Query reply with outcome \(reply.outcome) has no configuration."))
        }
        return config
    }

    /// Adds the groups (gid → servers) and rebalances. The reply's outcome is `.ok` (with the
    /// new configuration's number) or `.groupExists`.
    @discardableResult
    public func join(_ groups: [UInt64: [String]]) async throws(ShardCtrlerClerkError) -> ChangeReply {
        try await change { JoinRequest(session: $0, groups: groups) } call: { try await $0.join($1, options: $2) }
    }

    /// Removes the groups and rebalances. The reply's outcome is `.ok` or `.noGroup`.
    ///
    /// - Parameter force: `true` (the default: the lab's Leave) applies a Leave that removes
    ///   the last groups, leaving every shard to gid 0; `false` refuses it with
    ///   ``ShardCtrlerClerkError/wouldOrphanShards`` and changes nothing.
    @discardableResult
    public func leave(_ gids: [UInt64], force: Bool = true) async throws(ShardCtrlerClerkError) -> ChangeReply {
        let reply = try await change { LeaveRequest(session: $0, gids: gids, force: force) } call: {
            try await $0.leave($1, options: $2)
        }
        if reply.outcome == .wouldOrphanShards { throw .wouldOrphanShards }
        return reply
    }

    /// Assigns `shard` to `gid`. The reply's outcome is `.ok` or `.noGroup`.
    @discardableResult
    public func move(shard: Int, to gid: UInt64) async throws(ShardCtrlerClerkError) -> ChangeReply {
        guard let wireShard = UInt32(exactly: shard) else {
            throw .rejected(RPCError(code: .invalidArgument, message: "Shard \(shard) does not exist."))
        }
        return try await change { MoveRequest(session: $0, shard: wireShard, gid: gid) } call: {
            try await $0.move($1, options: $2)
        }
    }

    /// Replaces existing groups' server lists (gid → servers) without moving shards. The
    /// reply's outcome is `.ok` (the new configuration's number, or the latest one's if the
    /// servers were already these) or `.noGroup`.
    @discardableResult
    public func setServers(_ groups: [UInt64: [String]]) async throws(ShardCtrlerClerkError) -> ChangeReply {
        try await change { JoinRequest(session: $0, groups: groups) } call: {
            try await $0.setServers($1, options: $2)
        }
    }

    // MARK: Retrying

    /// Runs one change: opens the session first if the group has not opened it, numbers the
    /// change, and after `.sessionExpired` starts a new session for the next change.
    private func change<Request: Sendable>(
        _ makeRequest: (ClientSession) -> Request,
        call: @escaping @Sendable (ShardCtrlerClient, Request, CallOptions) async throws -> ChangeReply
    ) async throws(ShardCtrlerClerkError) -> ChangeReply {
        if !session.isOpen() {
            let opening = OpenSessionRequest(clientID: clientID)
            _ = try await perform({ try await $0.openSession(opening, options: $1) }) { ($0.outcome, $0.leader) }
            session.markOpen()
        }
        let numbered = session.nextWrite()
        let request = makeRequest(numbered)
        let reply = try await perform({ try await call($0, request, $1) }) { ($0.outcome, $0.leader) }
        if reply.outcome == .sessionExpired {
            session.renew()
            throw .sessionExpired(clientID: numbered.clientID, sequence: numbered.sequence)
        }
        return reply
    }

    /// Runs one operation through the group caller (see ``ReplicaGroupCaller``), one at a time.
    private func perform<Reply: Sendable>(
        _ attempt: @escaping @Sendable (ShardCtrlerClient, CallOptions) async throws -> Reply,
        outcome: @escaping @Sendable (Reply) -> (ShardCtrlerOutcome, LeaderHint?)
    ) async throws(ShardCtrlerClerkError) -> Reply {
        precondition(!busy, "a ShardCtrlerClerk makes one call at a time")
        busy = true
        defer { busy = false }
        do {
            return try await group.perform(attempt) { reply in
                let (result, hint) = outcome(reply)
                switch result {
                case .ok, .groupExists, .noGroup, .invalidCommand, .wouldOrphanShards, .sessionExpired:
                    return .final
                case .wrongLeader:
                    return .wrongLeader(leaderID: hint?.leaderID ?? 0, address: hint?.address ?? "")
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
