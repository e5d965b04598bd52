public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `grpc.testing.StreamingInputCallRequest`: one message of `StreamingInputCall`'s upload.
public struct StreamingInputCallRequest: Hashable, Sendable {
    public var payload: Payload?
    public var expectCompressed: BoolValue?

    public init(payload: Payload? = nil, expectCompressed: BoolValue? = nil) {
        self.payload = payload
        self.expectCompressed = expectCompressed
    }
}

extension StreamingInputCallRequest: ProtobufCConvertible {
    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: grpc__testing__streaming_input_call_request__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let message = arena.allocate(
            Grpc__Testing__StreamingInputCallRequest.self, initializer: grpc__testing__streaming_input_call_request__init)
        message.pointee.payload = try arena.message(payload, as: Grpc__Testing__Payload.self)
        message.pointee.expect_compressed = try arena.message(expectCompressed, as: Grpc__Testing__BoolValue.self)
        return ProtobufCMessagePointer(message)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Grpc__Testing__StreamingInputCallRequest.self).pointee
        self.init(
            payload: try ProtobufCField.message(c.payload),
            expectCompressed: try ProtobufCField.message(c.expect_compressed))
    }
}
