public import RPCCore
import RPCProtobuf

/// The server side of `skv.raft.Membership` over a replica's ``MembershipControl`` (its
/// ``RaftPeer``): `List` answers with the membership this replica has applied; a change is
/// proposed here if this replica leads, and each ``RaftPeerError`` becomes a
/// ``MembershipOutcome`` (with the leader's address from this replica's address book). A
/// request that names id 0, lacks an address for `Add`/`AddLearner` or carries one that is
/// not `HOST:PORT` fails with `INVALID_ARGUMENT`.
public struct MembershipServer: RegistrableRPCService {
    /// How long a change waits to apply when the request gives no timeout.
    public static let defaultChangeTimeout: Duration = .seconds(10)
    /// The longest a change may wait to apply (a request asking for more gets this).
    public static let maxChangeTimeout: Duration = .seconds(60)
    /// Longest member address accepted, in UTF-8 bytes (a DNS name is at most 253, plus the port).
    public static let maxAddressBytes = 260

    private let control: any MembershipControl

    public init(control: any MembershipControl) {
        self.control = control
    }

    public func registerMethods(with router: inout RPCRouter) {
        router.registerUnary(MembershipService.Methods.list) { (_: ListMembersRequest) in await self.list() }
        router.registerUnary(MembershipService.Methods.add) { (request: MembershipChangeRequest) in
            try await self.change(.add(id: request.id, address: request.address), request)
        }
        router.registerUnary(MembershipService.Methods.addLearner) { (request: MembershipChangeRequest) in
            try await self.change(.addLearner(id: request.id, address: request.address), request)
        }
        router.registerUnary(MembershipService.Methods.promote) { (request: MembershipChangeRequest) in
            try await self.change(.promote(id: request.id), request)
        }
        router.registerUnary(MembershipService.Methods.remove) { (request: MembershipChangeRequest) in
            try await self.change(.remove(id: request.id), request)
        }
    }

    /// The membership this replica has applied.
    public func list() async -> MembershipReply {
        MembershipReply(outcome: .ok, membership: await control.membership())
    }

    /// Proposes `change` (carried by `request`) and answers with its outcome.
    /// - Throws: `INVALID_ARGUMENT` for a malformed request (see the type).
    public func change(
        _ change: MembershipRequest, _ request: MembershipChangeRequest
    ) async throws(RPCError) -> MembershipReply {
        try Self.validate(change)
        let timeout = request.timeoutMilliseconds == 0
            ? Self.defaultChangeTimeout : min(.milliseconds(Int64(request.timeoutMilliseconds)), Self.maxChangeTimeout)
        do throws(RaftPeerError) {
            let membership = try await control.changeMembership(change, force: request.force, timeout: timeout)
            return MembershipReply(outcome: .ok, membership: membership)
        } catch {
            let membership = await control.membership()
            return MembershipReply(outcome: Self.outcome(error, membership: membership), membership: membership)
        }
    }

    /// The reply status for a failed change; leader hints get their address from `membership`.
    static func outcome(_ error: RaftPeerError, membership: Membership) -> MembershipOutcome {
        switch error {
        case .notLeader(let hint):
            return .notLeader(leaderID: hint, leaderAddress: hint.flatMap { membership.member($0)?.address })
        case .leadershipLost:
            // The change may still commit under the new leader; asking it again is refused
            // if it did (an id already a member), so the caller retries there.
            let leader = membership.leaderID
            return .notLeader(leaderID: leader, leaderAddress: leader.flatMap { membership.member($0)?.address })
        case .leadershipTransferInProgress(let transferee):
            return .transferringLeadership(transferee: transferee, address: membership.member(transferee)?.address)
        case .membershipChangePending(let index): return .changePending(index: index)
        case .membershipChangeRefused(let reason): return .refused(reason: reason)
        case .membershipChangeWouldLoseQuorum(let healthy): return .wouldLoseQuorum(healthy: healthy)
        case .unknownNode(let id): return .refused(reason: "node \(id) is not a member")
        case .tooManyPendingReads(let limit): return .refused(reason: "the leader is overloaded (\(limit) pending)")
        case .timeout: return .timeout
        case .stopped: return .stopped
        }
    }

    /// Checks the ids and addresses `change` names.
    static func validate(_ change: MembershipRequest) throws(RPCError) {
        let id: UInt64
        switch change {
        case .add(let node, let address), .addLearner(let node, let address):
            id = node
            guard Self.isAddress(address) else {
                throw RPCError(
                    code: .invalidArgument,
                    message: "Invalid member address '\(address.prefix(Self.maxAddressBytes))': expected HOST:PORT.")
            }
        case .promote(let node), .remove(let node):
            id = node
        }
        guard id != 0 else { throw RPCError(code: .invalidArgument, message: "A member id must be positive.") }
    }

    /// Whether `address` looks like `HOST:PORT` (a port in 1...65535, no whitespace, at most
    /// ``maxAddressBytes``).
    static func isAddress(_ address: String) -> Bool {
        guard address.utf8.count <= maxAddressBytes, !address.contains(where: \.isWhitespace),
            let colon = address.lastIndex(of: ":"), colon != address.startIndex,
            let port = Int(address[address.index(after: colon)...])
        else { return false }
        return (1...65535).contains(port)
    }
}
