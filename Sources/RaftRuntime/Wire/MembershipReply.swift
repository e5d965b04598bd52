public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos
import Raft

/// `skv.raft.MembershipReply`: the outcome of a `skv.raft.Membership` request and the
/// membership as the answering replica knows it (after the change, on ``MembershipOutcome/ok``).
public struct MembershipReply: Sendable, Equatable, ProtobufCConvertible {
    public var outcome: MembershipOutcome
    public var membership: Membership

    public init(outcome: MembershipOutcome, membership: Membership) {
        self.outcome = outcome
        self.membership = membership
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__raft__membership_reply__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Raft__MembershipReply.self, initializer: skv__raft__membership_reply__init)
        m.pointee.membership = try arena.message(
            Optional(WireMembership(membership)), as: Skv__Raft__GroupMembership.self)
        func leader(_ id: UInt64?, _ address: String?) throws(RPCError) {
            m.pointee.leader_id = id ?? 0
            if let address, !address.isEmpty { m.pointee.leader_address = try arena.copyString(address) }
        }
        let status: Skv__Raft__MembershipStatus
        switch outcome {
        case .ok: status = SKV__RAFT__MEMBERSHIP_STATUS__MEMBERSHIP_OK
        case .notLeader(let id, let address):
            status = SKV__RAFT__MEMBERSHIP_STATUS__MEMBERSHIP_NOT_LEADER
            try leader(id, address)
        case .changePending(let index):
            status = SKV__RAFT__MEMBERSHIP_STATUS__MEMBERSHIP_CHANGE_PENDING
            m.pointee.pending_index = index
        case .refused(let reason):
            status = SKV__RAFT__MEMBERSHIP_STATUS__MEMBERSHIP_REFUSED
            if !reason.isEmpty { m.pointee.reason = try arena.copyString(reason) }
        case .wouldLoseQuorum(let healthy):
            status = SKV__RAFT__MEMBERSHIP_STATUS__MEMBERSHIP_WOULD_LOSE_QUORUM
            (m.pointee.n_healthy_ids, m.pointee.healthy_ids) = WireSnapshotMetadata.ids(healthy, in: arena)
        case .transferringLeadership(let transferee, let address):
            status = SKV__RAFT__MEMBERSHIP_STATUS__MEMBERSHIP_TRANSFERRING_LEADERSHIP
            try leader(transferee, address)
        case .timeout: status = SKV__RAFT__MEMBERSHIP_STATUS__MEMBERSHIP_TIMEOUT
        case .stopped: status = SKV__RAFT__MEMBERSHIP_STATUS__MEMBERSHIP_STOPPED
        }
        m.pointee.status = status
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Raft__MembershipReply.self).pointee
        guard let wire = try ProtobufCField.message(c.membership, as: WireMembership.self) else {
            throw RPCError(code: .invalidArgument, message: "A membership reply carries no membership.")
        }
        let leaderID = c.leader_id == 0 ? nil : c.leader_id
        let address = try ProtobufCField.string(c.leader_address)
        let leaderAddress = address.isEmpty ? nil : address
        switch c.status {
        case SKV__RAFT__MEMBERSHIP_STATUS__MEMBERSHIP_OK: outcome = .ok
        case SKV__RAFT__MEMBERSHIP_STATUS__MEMBERSHIP_NOT_LEADER:
            outcome = .notLeader(leaderID: leaderID, leaderAddress: leaderAddress)
        case SKV__RAFT__MEMBERSHIP_STATUS__MEMBERSHIP_CHANGE_PENDING: outcome = .changePending(index: c.pending_index)
        case SKV__RAFT__MEMBERSHIP_STATUS__MEMBERSHIP_REFUSED:
            outcome = .refused(reason: try ProtobufCField.string(c.reason))
        case SKV__RAFT__MEMBERSHIP_STATUS__MEMBERSHIP_WOULD_LOSE_QUORUM:
            guard c.n_healthy_ids <= ConfChangeEntry.maxIDsPerList else {
                throw RPCError(
                    code: .invalidArgument,
                    message: "A membership reply lists more than \(ConfChangeEntry.maxIDsPerList) healthy voters.")
            }
            outcome = .wouldLoseQuorum(healthy: WireSnapshotMetadata.ids(c.n_healthy_ids, c.healthy_ids))
        case SKV__RAFT__MEMBERSHIP_STATUS__MEMBERSHIP_TRANSFERRING_LEADERSHIP:
            guard let leaderID else {
                throw RPCError(code: .invalidArgument, message: "A leadership transfer names no transferee.")
            }
            outcome = .transferringLeadership(transferee: leaderID, address: leaderAddress)
        case SKV__RAFT__MEMBERSHIP_STATUS__MEMBERSHIP_TIMEOUT: outcome = .timeout
        case SKV__RAFT__MEMBERSHIP_STATUS__MEMBERSHIP_STOPPED: outcome = .stopped
        default:
            throw RPCError(code: .invalidArgument, message: "Unknown membership status \(c.status.rawValue).")
        }
        membership = wire.membership
    }
}
