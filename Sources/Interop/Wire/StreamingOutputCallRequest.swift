public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `grpc.testing.StreamingOutputCallRequest`: the request of `StreamingOutputCall`, and each
/// request message of `FullDuplexCall` and `HalfDuplexCall`.
public struct StreamingOutputCallRequest: Hashable, Sendable {
    public var responseType: PayloadType
    /// One response per element, in order.
    public var responseParameters: [ResponseParameters]
    public var payload: Payload?
    /// If set, the server ends the call with this status.
    public var responseStatus: EchoStatus?

    public init(
        responseType: PayloadType = .compressable,
        responseParameters: [ResponseParameters] = [],
        payload: Payload? = nil,
        responseStatus: EchoStatus? = nil
    ) {
        self.responseType = responseType
        self.responseParameters = responseParameters
        self.payload = payload
        self.responseStatus = responseStatus
    }
}

extension StreamingOutputCallRequest: ProtobufCConvertible {
    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: grpc__testing__streaming_output_call_request__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let message = arena.allocate(
            Grpc__Testing__StreamingOutputCallRequest.self, initializer: grpc__testing__streaming_output_call_request__init)
        message.pointee.response_type = Grpc__Testing__PayloadType(rawValue: .init(truncatingIfNeeded: responseType.rawValue))
        message.pointee.n_response_parameters = responseParameters.count
        message.pointee.response_parameters = try arena.messages(
            responseParameters, as: Grpc__Testing__ResponseParameters.self)
        message.pointee.payload = try arena.message(payload, as: Grpc__Testing__Payload.self)
        message.pointee.response_status = try arena.message(responseStatus, as: Grpc__Testing__EchoStatus.self)
        return ProtobufCMessagePointer(message)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Grpc__Testing__StreamingOutputCallRequest.self).pointee
        self.init(
            responseType: PayloadType(rawValue: Int32(truncatingIfNeeded: c.response_type.rawValue)),
            responseParameters: try ProtobufCField.messages(c.response_parameters, count: c.n_response_parameters),
            payload: try ProtobufCField.message(c.payload),
            responseStatus: try ProtobufCField.message(c.response_status))
    }
}
