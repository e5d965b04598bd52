public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `grpc.testing.SimpleRequest`: the request of `UnaryCall`.
public struct SimpleRequest: Hashable, Sendable {
    public var responseType: PayloadType
    /// How many payload bytes the response should carry.
    public var responseSize: Int32
    public var payload: Payload?
    public var fillUsername: Bool
    public var fillOauthScope: Bool
    public var responseCompressed: BoolValue?
    /// If set, the server ends the call with this status.
    public var responseStatus: EchoStatus?
    public var expectCompressed: BoolValue?
    public var fillServerID: Bool

    public init(
        responseType: PayloadType = .compressable,
        responseSize: Int32 = 0,
        payload: Payload? = nil,
        fillUsername: Bool = false,
        fillOauthScope: Bool = false,
        responseCompressed: BoolValue? = nil,
        responseStatus: EchoStatus? = nil,
        expectCompressed: BoolValue? = nil,
        fillServerID: Bool = false
    ) {
        self.responseType = responseType
        self.responseSize = responseSize
        self.payload = payload
        self.fillUsername = fillUsername
        self.fillOauthScope = fillOauthScope
        self.responseCompressed = responseCompressed
        self.responseStatus = responseStatus
        self.expectCompressed = expectCompressed
        self.fillServerID = fillServerID
    }
}

extension SimpleRequest: ProtobufCConvertible {
    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: grpc__testing__simple_request__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let message = arena.allocate(Grpc__Testing__SimpleRequest.self, initializer: grpc__testing__simple_request__init)
        message.pointee.response_type = Grpc__Testing__PayloadType(rawValue: .init(truncatingIfNeeded: responseType.rawValue))
        message.pointee.response_size = responseSize
        message.pointee.payload = try arena.message(payload, as: Grpc__Testing__Payload.self)
        message.pointee.fill_username = fillUsername ? 1 : 0
        message.pointee.fill_oauth_scope = fillOauthScope ? 1 : 0
        message.pointee.response_compressed = try arena.message(responseCompressed, as: Grpc__Testing__BoolValue.self)
        message.pointee.response_status = try arena.message(responseStatus, as: Grpc__Testing__EchoStatus.self)
        message.pointee.expect_compressed = try arena.message(expectCompressed, as: Grpc__Testing__BoolValue.self)
        message.pointee.fill_server_id = fillServerID ? 1 : 0
        return ProtobufCMessagePointer(message)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Grpc__Testing__SimpleRequest.self).pointee
        self.init(
            responseType: PayloadType(rawValue: Int32(truncatingIfNeeded: c.response_type.rawValue)),
            responseSize: c.response_size,
            payload: try ProtobufCField.message(c.payload),
            fillUsername: c.fill_username != 0,
            fillOauthScope: c.fill_oauth_scope != 0,
            responseCompressed: try ProtobufCField.message(c.response_compressed),
            responseStatus: try ProtobufCField.message(c.response_status),
            expectCompressed: try ProtobufCField.message(c.expect_compressed),
            fillServerID: c.fill_server_id != 0)
    }
}
