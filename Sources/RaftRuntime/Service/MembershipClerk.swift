public import RPCCore

/// Runs `skv.raft.Membership` requests against a group given by its replicas' addresses: a
/// change goes to the leader, following `NOT_LEADER` hints (and a leader's hand-over when it
/// is the one removed) and trying the other replicas when one does not answer, within
/// ``Configuration/maxAttempts`` calls and ``Configuration/operationTimeout``. `List` prefers
/// the leader's view (the freshest) and falls back to any replica's.
public struct MembershipClerk: Sendable {
    /// The clerk's bounds.
    public struct Configuration: Sendable {
        /// Longest a request may take in all (the leader's wait for the change included).
        public var operationTimeout: Duration = .seconds(30)
        /// Most RPCs one request makes.
        public var maxAttempts = 32
        /// Wait before asking again when no leader is known, leadership is being handed over
        /// or another change is pending.
        public var retryInterval: Duration = .milliseconds(200)
        /// Longest one `List` call may take.
        public var listRPCTimeout: Duration = .seconds(2)
        /// How much sooner than the RPC's deadline the leader is asked to give up waiting, so
        /// its `TIMEOUT` reply arrives before the call's deadline.
        public var replyMargin: Duration = .milliseconds(500)

        public init() {}
    }

    /// The replicas' addresses (`HOST:PORT`), tried in order when no leader is known.
    public let servers: [String]
    public let configuration: Configuration
    private let makeClient: @Sendable (String) -> MembershipClient

    /// - Parameter makeClient: the client for an address (the caller owns and closes its
    ///   transports); hints name addresses from the replicas' address books.
    public init(
        servers: [String], configuration: Configuration = Configuration(),
        makeClient: @escaping @Sendable (String) -> MembershipClient
    ) {
        precondition(!servers.isEmpty, "a membership clerk needs at least one server")
        self.servers = servers
        self.configuration = configuration
        self.makeClient = makeClient
    }

    /// The membership as the leader (or, if it does not answer, the first replica that does)
    /// has applied it.
    public func list() async throws(MembershipClerkError) -> Membership {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: configuration.operationTimeout)
        var lastProblem = "no server was asked"
        for address in servers.prefix(configuration.maxAttempts) {
            let remaining = clock.now.duration(to: deadline)
            guard remaining > .zero else { break }
            do {
                let options = CallOptions(timeout: min(remaining, configuration.listRPCTimeout))
                let view = try await makeClient(address).list(options: options).membership
                guard let leader = view.leaderID.flatMap({ view.member($0)?.address }), leader != address else {
                    return view
                }
                let leaderOptions = CallOptions(
                    timeout: min(clock.now.duration(to: deadline), configuration.listRPCTimeout))
                guard leaderOptions.timeout! > .zero,
                    let leaderView = try? await makeClient(leader).list(options: leaderOptions).membership
                else { return view }
                return leaderView
            } catch let error as RPCError where Self.rejects(error) {
                throw .rejected(error.message)
            } catch {
                lastProblem = "\(address): \(error)"
            }
        }
        throw .unavailable(lastProblem: lastProblem)
    }

    /// Makes `change` through the leader and returns the membership once it has applied it.
    public func change(_ change: MembershipRequest, force: Bool = false) async throws(MembershipClerkError)
        -> Membership
    {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: configuration.operationTimeout)
        var nextServer = 0
        var hinted: String?
        var unansweredInARow = 0
        var pending: UInt64?
        var lastProblem = "no server was asked"
        func pause() async {
            let remaining = clock.now.duration(to: deadline)
            if remaining > .zero { try? await Task.sleep(for: min(configuration.retryInterval, remaining)) }
        }
        for _ in 0..<configuration.maxAttempts {
            let remaining = clock.now.duration(to: deadline)
            guard remaining > .zero else { break }
            let address: String
            let followsHint = hinted != nil
            if let hint = hinted {
                address = hint
                hinted = nil
            } else {
                address = servers[nextServer % servers.count]
                nextServer += 1
            }
            let leaderWait = max(remaining - configuration.replyMargin, remaining / 2)
            let reply: MembershipReply
            do {
                reply = try await makeClient(address).change(
                    change, force: force, timeout: leaderWait, options: CallOptions(timeout: remaining))
                unansweredInARow = 0
            } catch let error as RPCError where Self.rejects(error) {
                throw .rejected(error.message)
            } catch {
                lastProblem = "\(address): \(error)"
                unansweredInARow += 1
                // A hinted leader that does not answer (killed: the others still name it until
                // they elect another) is asked again only after a pause, as is everyone once
                // none answered: otherwise the attempts run out in the election's first 100 ms.
                if followsHint || unansweredInARow >= servers.count { await pause() }
                continue
            }
            pending = nil
            switch reply.outcome {
            case .ok:
                return reply.membership
            case .notLeader(let leaderID, let leaderAddress):
                let leader = leaderAddress ?? leaderID.flatMap { reply.membership.member($0)?.address }
                lastProblem = "\(address) does not lead" + (leaderID.map { " (leader: \($0))" } ?? " (no leader known)")
                if let leader, leader != address { hinted = leader } else { await pause() }
            case .transferringLeadership(let transferee, let transfereeAddress):
                lastProblem = "\(address) is handing leadership to \(transferee)"
                await pause()
                hinted = transfereeAddress ?? reply.membership.member(transferee)?.address
            case .changePending(let index):
                lastProblem = "\(address): change \(index) pending"
                pending = index
                await pause()
                hinted = address
            case .stopped:
                lastProblem = "\(address) is stopping"
            case .refused(let reason): throw .refused(reason: reason)
            case .wouldLoseQuorum(let healthy): throw .wouldLoseQuorum(healthy: healthy)
            case .timeout: throw .timeout
            }
        }
        if let pending { throw .changePending(index: pending) }
        throw .unavailable(lastProblem: lastProblem)
    }

    /// Whether `error` refuses the request itself (malformed, or a caller that is not a member
    /// over TLS): asking another replica would get the same answer.
    static func rejects(_ error: RPCError) -> Bool {
        [.invalidArgument, .permissionDenied, .unauthenticated].contains(error.code)
    }
}
