public import Logging
import RPCCore
public import RSM

/// One replica of the shard controller: `skv.shardctrler.ShardCtrler` implemented on a
/// ``ReplicatedStateMachine`` running a ``ShardCtrlerStateMachine`` over a Raft peer (6.824
/// Lab 4A's `ShardCtrler`).
///
/// Join, Leave and Move go through the Raft log with the client's session (applied exactly
/// once); Query takes ``ReplicatedStateMachine/read(_:)`` (linearizable, answered by the leader
/// only). Outcomes are reply values: `.wrongLeader` (with a leader hint when the peer knows
/// one) and `.timeout` tell the clerk to retry elsewhere with the same session. Thrown errors
/// become RPC statuses: `INVALID_ARGUMENT` for a request that can never execute (gid 0, a
/// group without servers, a shard out of range, …; see
/// ``ShardCtrlerCommand/invalidReason``) or that is malformed (rejected by the deserializer
/// before any of this runs), `UNAVAILABLE` once the replica is stopped, `RESOURCE_EXHAUSTED`
/// when too many requests wait, `FAILED_PRECONDITION` for a session sequence older than the
/// client's latest.
///
/// Lifecycle: create it with the replica's peer (and the snapshot it restarted from), register
/// it on the server's router next to the peer's Raft service, call ``start()``; on shutdown
/// kill the peer and call ``stop()``.
public final class ShardCtrlerServer: ShardCtrlerServiceProtocol, Sendable {
    public struct Configuration: Sendable {
        /// The replicated state machine's limits (snapshot size, sessions, pending requests,
        /// timeouts).
        public var replication = ReplicatedStateMachine.Configuration()
        /// Each member's client address ("host:port") by Raft id, read each time a leader hint
        /// is sent (`LeaderHint.address`, so a client that knows no ids can follow a redirect):
        /// the membership may change while the server runs (a daemon passes its Raft peer's
        /// ``RaftPeer/knownAddresses()``). Default: none, ids only.
        public var memberAddressLookup: @Sendable () -> [UInt64: String] = { [:] }

        /// A fixed set of member addresses (sets ``memberAddressLookup``).
        public var memberAddresses: [UInt64: String] {
            get { memberAddressLookup() }
            set { memberAddressLookup = { newValue } }
        }
        /// Where the replica that handled a Join, Leave or Move logs the configuration it
        /// created (`nil`: nowhere, as in the simulated labs).
        public var logger: Logger?

        public init() {}
    }

    /// This replica's Raft id.
    public let id: UInt64
    public let configuration: Configuration
    private let machine: ReplicatedStateMachine
    private let log: any ReplicatedLog

    /// - Throws: if `restoredSnapshot` does not decode.
    public init(
        id: UInt64, log: any ReplicatedLog, restoredSnapshot: RestoredSnapshot?,
        configuration: Configuration = Configuration()
    ) throws {
        self.id = id
        self.configuration = configuration
        self.log = log
        machine = try ReplicatedStateMachine(
            log: log, stateMachine: ShardCtrlerStateMachine(), restoredSnapshot: restoredSnapshot,
            configuration: configuration.replication)
    }

    /// Starts applying the log.
    public func start() async { await machine.start() }

    /// Stops serving: waiting requests fail with `UNAVAILABLE`. Kill the peer as well.
    public func stop() async { await machine.stop() }

    /// The replicated state machine's own status (applied and snapshot index, sessions).
    public func replicationStatus() async -> ReplicatedStateMachine.Status { await machine.status() }

    // MARK: skv.shardctrler.ShardCtrler

    /// This replica's Raft state and the latest configuration it applied (no log round).
    public func status(_ request: ShardCtrlerStatusRequest) async throws -> ShardCtrlerStatusReply {
        let (term, isLeader) = await log.state()
        let leaderID = isLeader ? id : await log.leaderHint()
        let commitIndex = await log.commitIndex()
        let (configNum, appliedIndex) = await machine.inspect(ShardCtrlerStateMachine.self) { machine, applied in
            (machine.latest.num, applied)
        }
        return ShardCtrlerStatusReply(
            id: id, term: term, isLeader: isLeader,
            leader: LeaderHint(leaderID: leaderID, memberAddresses: configuration.memberAddresses),
            commitIndex: commitIndex, appliedIndex: appliedIndex, configNum: configNum)
    }

    public func openSession(_ request: OpenSessionRequest) async throws -> ChangeReply {
        let session = try request.openingSession()
        let addresses = configuration.memberAddresses
        return Self.changeReply(try await machine.answer(opening: session, memberAddresses: addresses))
    }

    public func join(_ request: JoinRequest) async throws -> ChangeReply {
        let gids = request.groups.keys.sorted().map(String.init).joined(separator: ",")
        return logged(Self.changeReply(try await submit(.join(request.groups), session: request.session)), "join", gids)
    }

    public func leave(_ request: LeaveRequest) async throws -> ChangeReply {
        let command = ShardCtrlerCommand.leave(request.gids, force: request.force)
        let reply = Self.changeReply(try await submit(command, session: request.session))
        return logged(reply, "leave", request.gids.map(String.init).joined(separator: ","))
    }

    public func move(_ request: MoveRequest) async throws -> ChangeReply {
        let command = ShardCtrlerCommand.move(shard: request.shard, gid: request.gid)
        let reply = Self.changeReply(try await submit(command, session: request.session))
        return logged(reply, "move", "shard \(request.shard) to \(request.gid)")
    }

    public func setServers(_ request: JoinRequest) async throws -> ChangeReply {
        let reply = Self.changeReply(try await submit(.setServers(request.groups), session: request.session))
        let groups = request.groups.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.joined(separator: ","))" }
        return logged(reply, "set servers", groups.joined(separator: " "))
    }

    /// Logs a change that made a configuration (not a retry or a refusal), once, by the
    /// replica that answered the client.
    private func logged(_ reply: ChangeReply, _ operation: String, _ arguments: String) -> ChangeReply {
        if reply.outcome == .ok {
            configuration.logger?.notice(
                "configuration created",
                metadata: ["config": "\(reply.configNum)", "operation": "\(operation)", "arguments": "\(arguments)"])
        }
        return reply
    }

    public func query(_ request: QueryRequest) async throws -> QueryReply {
        let command = ShardCtrlerCommand.query(request.num)
        try Self.validate(command)
        let answer: Answer = try await machine.answer(
            reading: command, memberAddresses: configuration.memberAddresses)
        switch answer {
        case .result(let result): return QueryReply(outcome: result.outcome, config: result.config)
        case .outcome(let outcome, let hint): return QueryReply(outcome: outcome, leader: hint)
        }
    }

    // MARK: Helpers

    /// What a request came to: the state machine's result, or a retry outcome for the clerk.
    typealias Answer = ServiceAnswer<ShardCtrlerCommandResult, ShardCtrlerOutcome>

    private func submit(_ command: ShardCtrlerCommand, session: ClientSession?) async throws(RPCError) -> Answer {
        try Self.validate(command)
        return try await machine.answer(
            submitting: command, session: session, memberAddresses: configuration.memberAddresses)
    }

    /// `INVALID_ARGUMENT` if the command can never execute.
    private static func validate(_ command: ShardCtrlerCommand) throws(RPCError) {
        if let reason = command.invalidReason { throw RPCError(code: .invalidArgument, message: reason) }
    }

    private static func changeReply(_ answer: Answer) -> ChangeReply {
        switch answer {
        case .result(let result): ChangeReply(outcome: result.outcome, configNum: result.configNum)
        case .outcome(let outcome, let hint): ChangeReply(outcome: outcome, leader: hint)
        }
    }
}
