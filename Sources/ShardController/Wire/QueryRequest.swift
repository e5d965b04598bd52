public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.shardctrler.QueryRequest`: configuration `num`; -1 (or a number past the latest) asks
/// for the latest. Queries carry no session: a retried Query is simply answered again.
public struct QueryRequest: Sendable, Hashable, ProtobufCConvertible {
    /// Asks for the latest configuration.
    public static let latest: Int64 = -1

    public var num: Int64

    public init(num: Int64 = QueryRequest.latest) { self.num = num }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardctrler__query_request__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Shardctrler__QueryRequest.self, initializer: skv__shardctrler__query_request__init)
        m.pointee.num = num
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Shardctrler__QueryRequest.self).pointee
        self.init(num: c.num)
    }
}
