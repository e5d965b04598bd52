public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `grpc.testing.SimpleResponse`: the response of `UnaryCall`.
public struct SimpleResponse: Hashable, Sendable {
    public var payload: Payload?
    public var username: String
    public var oauthScope: String
    public var serverID: String
    public var hostname: String

    public init(
        payload: Payload? = nil,
        username: String = "",
        oauthScope: String = "",
        serverID: String = "",
        hostname: String = ""
    ) {
        self.payload = payload
        self.username = username
        self.oauthScope = oauthScope
        self.serverID = serverID
        self.hostname = hostname
    }
}

extension SimpleResponse: ProtobufCConvertible {
    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: grpc__testing__simple_response__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let message = arena.allocate(Grpc__Testing__SimpleResponse.self, initializer: grpc__testing__simple_response__init)
        message.pointee.payload = try arena.message(payload, as: Grpc__Testing__Payload.self)
        message.pointee.username = try arena.copyString(username)
        message.pointee.oauth_scope = try arena.copyString(oauthScope)
        message.pointee.server_id = try arena.copyString(serverID)
        message.pointee.hostname = try arena.copyString(hostname)
        return ProtobufCMessagePointer(message)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Grpc__Testing__SimpleResponse.self).pointee
        self.init(
            payload: try ProtobufCField.message(c.payload),
            username: try ProtobufCField.string(c.username),
            oauthScope: try ProtobufCField.string(c.oauth_scope),
            serverID: try ProtobufCField.string(c.server_id),
            hostname: try ProtobufCField.string(c.hostname))
    }
}
