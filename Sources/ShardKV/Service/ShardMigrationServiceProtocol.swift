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
        router.registerUnary(ShardKVService.MigrationMethods.pullShards) { try await self.pullShards($0) }
        router.registerUnary(ShardKVService.MigrationMethods.deleteShards) { try await self.deleteShards($0) }
    }
}
