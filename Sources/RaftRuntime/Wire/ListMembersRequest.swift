public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.raft.ListMembersRequest` (no fields).
public struct ListMembersRequest: Sendable, Hashable, ProtobufCConvertible {
    public init() {}

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__raft__list_members_request__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        ProtobufCMessagePointer(
            arena.allocate(Skv__Raft__ListMembersRequest.self, initializer: skv__raft__list_members_request__init))
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {}
}
