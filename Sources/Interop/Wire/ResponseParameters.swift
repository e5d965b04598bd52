public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `grpc.testing.ResponseParameters`: the shape of one streamed response.
public struct ResponseParameters: Hashable, Sendable {
    /// Payload bytes of the response.
    public var size: Int32
    /// How long the server waits before sending the response, in microseconds.
    public var intervalMicroseconds: Int32
    public var compressed: BoolValue?

    public init(size: Int32 = 0, intervalMicroseconds: Int32 = 0, compressed: BoolValue? = nil) {
        self.size = size
        self.intervalMicroseconds = intervalMicroseconds
        self.compressed = compressed
    }
}

extension ResponseParameters: ProtobufCConvertible {
    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: grpc__testing__response_parameters__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let message = arena.allocate(Grpc__Testing__ResponseParameters.self, initializer: grpc__testing__response_parameters__init)
        message.pointee.size = size
        message.pointee.interval_us = intervalMicroseconds
        message.pointee.compressed = try arena.message(compressed, as: Grpc__Testing__BoolValue.self)
        return ProtobufCMessagePointer(message)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Grpc__Testing__ResponseParameters.self).pointee
        self.init(
            size: c.size,
            intervalMicroseconds: c.interval_us,
            compressed: try ProtobufCField.message(c.compressed))
    }
}
