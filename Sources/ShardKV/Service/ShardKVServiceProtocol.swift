public import RPCCore
import RPCProtobuf

/// The server side of `skv.shardkv.ShardKV`: one function per RPC. Domain outcomes (wrong
/// group, wrong leader, no key, …) are reply values; thrown errors become RPC statuses.
public protocol ShardKVServiceProtocol: Sendable {
    func get(_ request: ShardKVGetRequest) async throws -> ShardKVGetReply
    func put(_ request: ShardKVPutRequest) async throws -> ShardKVWriteReply
    func append(_ request: ShardKVAppendRequest) async throws -> ShardKVWriteReply
    func delete(_ request: ShardKVDeleteRequest) async throws -> ShardKVWriteReply
    func status(_ request: ShardKVStatusRequest) async throws -> ShardKVStatusReply
}

extension ShardKVServiceProtocol {
    /// Registers every `skv.shardkv.ShardKV` method on `router`.
    public func registerShardKVMethods(with router: inout RPCRouter) {
        router.registerUnary(
            ShardKVService.Methods.get, deserializer: ProtobufDeserializer<ShardKVGetRequest>(),
            serializer: ProtobufSerializer<ShardKVGetReply>()
        ) { request, _ in
            ServerResponse(message: try await self.get(request.message))
        }
        router.registerUnary(
            ShardKVService.Methods.put, deserializer: ProtobufDeserializer<ShardKVPutRequest>(),
            serializer: ProtobufSerializer<ShardKVWriteReply>()
        ) { request, _ in
            ServerResponse(message: try await self.put(request.message))
        }
        router.registerUnary(
            ShardKVService.Methods.append, deserializer: ProtobufDeserializer<ShardKVAppendRequest>(),
            serializer: ProtobufSerializer<ShardKVWriteReply>()
        ) { request, _ in
            ServerResponse(message: try await self.append(request.message))
        }
        router.registerUnary(
            ShardKVService.Methods.delete, deserializer: ProtobufDeserializer<ShardKVDeleteRequest>(),
            serializer: ProtobufSerializer<ShardKVWriteReply>()
        ) { request, _ in
            ServerResponse(message: try await self.delete(request.message))
        }
        router.registerUnary(
            ShardKVService.Methods.status, deserializer: ProtobufDeserializer<ShardKVStatusRequest>(),
            serializer: ProtobufSerializer<ShardKVStatusReply>()
        ) { request, _ in
            ServerResponse(message: try await self.status(request.message))
        }
    }
}
