public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `grpc.testing.EchoStatus`: a status the client asks the server to end the call with.
public struct EchoStatus: Hashable, Sendable {
    /// A gRPC status code number (kept as sent: it may be outside the known codes).
    public var code: Int32
    public var message: String

    public init(code: Int32 = 0, message: String = "") {
        self.code = code
        self.message = message
    }
}

extension EchoStatus: ProtobufCConvertible {
    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: grpc__testing__echo_status__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let message = arena.allocate(Grpc__Testing__EchoStatus.self, initializer: grpc__testing__echo_status__init)
        message.pointee.code = code
        message.pointee.message = try arena.copyString(self.message)
        return ProtobufCMessagePointer(message)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Grpc__Testing__EchoStatus.self).pointee
        self.init(code: c.code, message: try ProtobufCField.string(c.message))
    }
}
