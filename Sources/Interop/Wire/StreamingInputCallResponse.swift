public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `grpc.testing.StreamingInputCallResponse`: the reply to `StreamingInputCall`.
public struct StreamingInputCallResponse: Hashable, Sendable {
    /// The sum of the payload body sizes of all request messages.
    public var aggregatedPayloadSize: Int32

    public init(aggregatedPayloadSize: Int32 = 0) {
        self.aggregatedPayloadSize = aggregatedPayloadSize
    }
}

extension StreamingInputCallResponse: ProtobufCConvertible {
    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: grpc__testing__streaming_input_call_response__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let message = arena.allocate(
            Grpc__Testing__StreamingInputCallResponse.self, initializer: grpc__testing__streaming_input_call_response__init)
        message.pointee.aggregated_payload_size = aggregatedPayloadSize
        return ProtobufCMessagePointer(message)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Grpc__Testing__StreamingInputCallResponse.self).pointee
        self.init(aggregatedPayloadSize: c.aggregated_payload_size)
    }
}
