public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.kv.SnapshotRequest` (no fields): asks the leader for a consistent copy of the state.
public struct SnapshotRequest: Sendable, Hashable, ProtobufCConvertible {
    public init() {}

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__kv__snapshot_request__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        ProtobufCMessagePointer(
            arena.allocate(Skv__Kv__SnapshotRequest.self, initializer: skv__kv__snapshot_request__init))
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {}
}
