public import RPCCore
import RPCProtobuf

/// The client side of `skv.kv.KV`: one function per RPC, no retries (the ``Clerk`` retries).
public struct KVClient: Sendable {
    public let client: RPCClient

    public init(wrapping client: RPCClient) {
        self.client = client
    }

    public func get(_ request: GetRequest, options: CallOptions = .defaults) async throws -> GetReply {
        try await unary(request, KVService.Methods.get, options)
    }

    public func put(_ request: PutRequest, options: CallOptions = .defaults) async throws -> WriteReply {
        try await unary(request, KVService.Methods.put, options)
    }

    public func append(_ request: AppendRequest, options: CallOptions = .defaults) async throws -> WriteReply {
        try await unary(request, KVService.Methods.append, options)
    }

    public func delete(_ request: DeleteRequest, options: CallOptions = .defaults) async throws -> WriteReply {
        try await unary(request, KVService.Methods.delete, options)
    }

    public func compareAndSwap(
        _ request: CompareAndSwapRequest, options: CallOptions = .defaults
    ) async throws -> CompareAndSwapReply {
        try await unary(request, KVService.Methods.compareAndSwap, options)
    }

    public func status(
        _ request: StatusRequest = StatusRequest(), options: CallOptions = .defaults
    ) async throws -> StatusReply {
        try await unary(request, KVService.Methods.status, options)
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
