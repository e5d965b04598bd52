public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `grpc.testing.StreamingOutputCallResponse`: one streamed response.
public struct StreamingOutputCallResponse: Hashable, Sendable {
    public var payload: Payload?

    public init(payload: Payload? = nil) { self.payload = payload }
}

extension StreamingOutputCallResponse: ProtobufCConvertible {
    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: grpc__testing__streaming_output_call_response__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let message = arena.allocate(
            Grpc__Testing__StreamingOutputCallResponse.self, initializer: grpc__testing__streaming_output_call_response__init)
        message.pointee.payload = try arena.message(payload, as: Grpc__Testing__Payload.self)
        return ProtobufCMessagePointer(message)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Grpc__Testing__StreamingOutputCallResponse.self).pointee
        self.init(payload: try ProtobufCField.message(c.payload))
    }
}
