public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.kv.GetRequest`. Reads carry no session: a retried Get is simply executed again.
public struct GetRequest: Sendable, Hashable, ProtobufCConvertible {
    public var key: [UInt8]

    public init(key: [UInt8]) { self.key = key }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__kv__get_request__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Kv__GetRequest.self, initializer: skv__kv__get_request__init)
        m.pointee.key = WireBytes.field(key, in: arena)
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Kv__GetRequest.self).pointee
        key = WireBytes.value(c.key)
    }
}
