public import RPCCore
import RPCProtobuf

/// The client side of `skv.shardkv.ShardKV` and `skv.shardkv.ShardMigration` on one server:
/// one function per RPC, no retries (``ShardKVClerk`` and the migration driver retry).
public struct ShardKVClient: Sendable {
    public let client: RPCClient

    public init(wrapping client: RPCClient) {
        self.client = client
    }

    public func get(_ request: ShardKVGetRequest, options: CallOptions = .defaults) async throws -> ShardKVGetReply {
        try await client.unary(request, ShardKVService.Methods.get, options: options)
    }

    public func openSession(
        _ request: ShardKVOpenSessionRequest, options: CallOptions = .defaults
    ) async throws -> ShardKVWriteReply {
        try await client.unary(request, ShardKVService.Methods.openSession, options: options)
    }

    public func put(_ request: ShardKVPutRequest, options: CallOptions = .defaults) async throws -> ShardKVWriteReply {
        try await client.unary(request, ShardKVService.Methods.put, options: options)
    }

    public func append(
        _ request: ShardKVAppendRequest, options: CallOptions = .defaults
    ) async throws -> ShardKVWriteReply {
        try await client.unary(request, ShardKVService.Methods.append, options: options)
    }

    public func delete(
        _ request: ShardKVDeleteRequest, options: CallOptions = .defaults
    ) async throws -> ShardKVWriteReply {
        try await client.unary(request, ShardKVService.Methods.delete, options: options)
    }

    public func status(
        _ request: ShardKVStatusRequest = ShardKVStatusRequest(), options: CallOptions = .defaults
    ) async throws -> ShardKVStatusReply {
        try await client.unary(request, ShardKVService.Methods.status, options: options)
    }

    public func pullShards(_ request: PullShardsRequest, options: CallOptions = .defaults) async throws -> PullShardsReply {
        try await client.unary(request, ShardKVService.MigrationMethods.pullShards, options: options)
    }

    public func deleteShards(
        _ request: DeleteShardsRequest, options: CallOptions = .defaults
    ) async throws -> DeleteShardsReply {
        try await client.unary(request, ShardKVService.MigrationMethods.deleteShards, options: options)
    }
}
