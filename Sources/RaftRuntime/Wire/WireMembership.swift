import Raft
public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.raft.GroupMembership`: a ``Membership`` in protobuf-c form. Decoding refuses member
/// id 0, an unknown role, a duplicate member and lists longer than
/// `ConfChangeEntry.maxIDsPerList`.
struct WireMembership: ProtobufCConvertible {
    var membership: Membership

    init(_ membership: Membership) { self.membership = membership }

    static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__raft__group_membership__init)
    }

    func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Raft__GroupMembership.self, initializer: skv__raft__group_membership__init)
        m.pointee.n_members = membership.members.count
        m.pointee.members = try arena.messages(membership.members.map(Member.init), as: Skv__Raft__Member.self)
        m.pointee.joint = membership.isJoint ? 1 : 0
        m.pointee.index = membership.index
        m.pointee.leader_id = membership.leaderID ?? 0
        (m.pointee.n_removed_ids, m.pointee.removed_ids) = WireSnapshotMetadata.ids(membership.removedIDs, in: arena)
        return ProtobufCMessagePointer(m)
    }

    init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Raft__GroupMembership.self).pointee
        let limit = ConfChangeEntry.maxIDsPerList
        guard c.n_members <= limit, c.n_removed_ids <= limit else {
            throw RPCError(code: .invalidArgument, message: "A membership lists more than \(limit) nodes.")
        }
        let members = try ProtobufCField.messages(c.members, count: c.n_members, as: Member.self).map(\.member)
        guard Set(members.map(\.id)).count == members.count else {
            throw RPCError(code: .invalidArgument, message: "A membership lists a member twice.")
        }
        membership = Membership(
            members: members, isJoint: c.joint != 0, index: c.index, leaderID: c.leader_id == 0 ? nil : c.leader_id,
            removedIDs: WireSnapshotMetadata.ids(c.n_removed_ids, c.removed_ids))
    }

    /// `skv.raft.Member`.
    struct Member: ProtobufCConvertible {
        var member: Membership.Member

        init(_ member: Membership.Member) { self.member = member }

        /// Wire numbers of `Membership.Member.Role` (fixed by membership.proto).
        static let roles: [Membership.Member.Role] = [.voter, .outgoingVoter, .learner]

        static var protobufCDescriptor: ProtobufCDescriptor {
            ProtobufCDescriptor(initializer: skv__raft__member__init)
        }

        func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
            let m = arena.allocate(Skv__Raft__Member.self, initializer: skv__raft__member__init)
            m.pointee.id = member.id
            if let address = member.address, !address.isEmpty { m.pointee.address = try arena.copyString(address) }
            m.pointee.role = Skv__Raft__MemberRole(rawValue: UInt32(Self.roles.firstIndex(of: member.role)!))
            m.pointee.promotes_when_caught_up = member.promotesWhenCaughtUp ? 1 : 0
            return ProtobufCMessagePointer(m)
        }

        init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
            let c = message.assumingMemoryBound(to: Skv__Raft__Member.self).pointee
            let number = Int(c.role.rawValue)
            guard Self.roles.indices.contains(number) else {
                throw RPCError(code: .invalidArgument, message: "Unknown member role \(number).")
            }
            guard c.id != 0 else { throw RPCError(code: .invalidArgument, message: "A member has id 0.") }
            let address = try ProtobufCField.string(c.address)
            member = Membership.Member(
                id: c.id, address: address.isEmpty ? nil : address, role: Self.roles[number],
                promotesWhenCaughtUp: c.promotes_when_caught_up != 0)
        }
    }
}
