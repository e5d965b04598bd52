public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.raft.MembershipChangeRequest`: the node a `skv.raft.Membership` change names (its
/// address for `Add` and `AddLearner`), whether to make it even if it would leave the healthy
/// voters without a quorum, and how long the leader waits for it to apply.
public struct MembershipChangeRequest: Sendable, Hashable, ProtobufCConvertible {
    public var id: UInt64
    /// `HOST:PORT` (`Add`, `AddLearner`; empty otherwise).
    public var address: String
    public var force: Bool
    /// How long the leader waits for the change to apply, in milliseconds (0: the server's
    /// default; the server caps it at ``MembershipServer/maxChangeTimeout``).
    public var timeoutMilliseconds: UInt32

    public init(id: UInt64, address: String = "", force: Bool = false, timeoutMilliseconds: UInt32 = 0) {
        self.id = id
        self.address = address
        self.force = force
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// The request for `change` (the method it goes to is ``MembershipService/method(for:)``).
    public init(_ change: MembershipRequest, force: Bool = false, timeout: Duration? = nil) {
        let milliseconds = timeout.map { ($0 / .milliseconds(1)).rounded(.up) } ?? 0
        let clamped = milliseconds >= Double(UInt32.max) ? UInt32.max : UInt32(max(0, milliseconds))
        switch change {
        case .add(let id, let address), .addLearner(let id, let address):
            self.init(id: id, address: address, force: force, timeoutMilliseconds: clamped)
        case .promote(let id), .remove(let id):
            self.init(id: id, force: force, timeoutMilliseconds: clamped)
        }
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__raft__membership_change_request__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(
            Skv__Raft__MembershipChangeRequest.self, initializer: skv__raft__membership_change_request__init)
        m.pointee.id = id
        if !address.isEmpty { m.pointee.address = try arena.copyString(address) }
        m.pointee.force = force ? 1 : 0
        m.pointee.timeout_ms = timeoutMilliseconds
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Raft__MembershipChangeRequest.self).pointee
        self.init(
            id: c.id, address: try ProtobufCField.string(c.address), force: c.force != 0,
            timeoutMilliseconds: c.timeout_ms)
    }
}
