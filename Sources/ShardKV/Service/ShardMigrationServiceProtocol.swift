public import RPCCore
import RPCProtobuf

/// The server side of `skv.shardkv.ShardMigration`, which replica groups call on each other
/// while shards move: PullShards (any replica may answer, from frozen data) and DeleteShards
/// (through the owner's log).
public protocol ShardMigrationServiceProtocol: Sendable {
    func pullShards(_ request: PullShardsRequest) async throws -> PullShardsReply
    func deleteShards(_ request: DeleteShardsRequest) async throws -> DeleteShardsReply
}

extension ShardMigrationServiceProtocol {
    /// Registers every `skv.shardkv.ShardMigration` method on `router`.
    public func registerShardMigrationMethods(with router: inout RPCRouter) {
        router.registerUnary(
            ShardKVService.MigrationMethods.pullShards, deserializer: ProtobufDeserializer<PullShardsRequest>(),
            serializer: ProtobufSerializer<PullShardsReply>()
        ) { request, _ in
            ServerResponse(message: try await self.pullShards(request.message))
        }
        router.registerUnary(
            ShardKVService.MigrationMethods.deleteShards, deserializer: ProtobufDeserializer<DeleteShardsRequest>(),
            serializer: ProtobufSerializer<DeleteShardsReply>()
        ) { request, _ in
            ServerResponse(message: try await self.deleteShards(request.message))
        }
    }
}
