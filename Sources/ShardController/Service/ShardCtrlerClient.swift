public import RPCCore
import RPCProtobuf

/// The client side of `skv.shardctrler.ShardCtrler`: one function per RPC, no retries (the
/// ``ShardCtrlerClerk`` retries).
public struct ShardCtrlerClient: Sendable {
    public let client: RPCClient

    public init(wrapping client: RPCClient) {
        self.client = client
    }

    public func join(_ request: JoinRequest, options: CallOptions = .defaults) async throws -> ChangeReply {
        try await unary(request, ShardCtrlerService.Methods.join, options)
    }

    public func leave(_ request: LeaveRequest, options: CallOptions = .defaults) async throws -> ChangeReply {
        try await unary(request, ShardCtrlerService.Methods.leave, options)
    }

    public func move(_ request: MoveRequest, options: CallOptions = .defaults) async throws -> ChangeReply {
        try await unary(request, ShardCtrlerService.Methods.move, options)
    }

    public func query(_ request: QueryRequest, options: CallOptions = .defaults) async throws -> QueryReply {
        try await unary(request, ShardCtrlerService.Methods.query, options)
    }

    private func unary<Request: ProtobufCConvertible, Reply: ProtobufCConvertible>(
        _ request: Request, _ descriptor: MethodDescriptor, _ options: CallOptions
    ) async throws -> Reply {
        try await client.unary(
            request: ClientRequest(message: request), descriptor: descriptor,
            serializer: ProtobufSerializer<Request>(), deserializer: ProtobufDeserializer<Reply>(), options: options
        ).message
    }
}
