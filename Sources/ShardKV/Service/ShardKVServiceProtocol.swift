public import RPCCore
import RPCProtobuf

/// The server side of `skv.shardkv.ShardKV`: one function per RPC. Domain outcomes (wrong
/// group, wrong leader, no key, …) are reply values; thrown errors become RPC statuses.
public protocol ShardKVServiceProtocol: Sendable {
    func get(_ request: ShardKVGetRequest) async throws -> ShardKVGetReply
    func openSession(_ request: ShardKVOpenSessionRequest) async throws -> ShardKVWriteReply
    func put(_ request: ShardKVPutRequest) async throws -> ShardKVWriteReply
    func append(_ request: ShardKVAppendRequest) async throws -> ShardKVWriteReply
    func delete(_ request: ShardKVDeleteRequest) async throws -> ShardKVWriteReply
    func status(_ request: ShardKVStatusRequest) async throws -> ShardKVStatusReply
}

extension ShardKVServiceProtocol {
    /// Registers every `skv.shardkv.ShardKV` method on `router`.
    public func registerShardKVMethods(with router: inout RPCRouter) {
        router.registerUnary(ShardKVService.Methods.get) { try await self.get($0) }
        router.registerUnary(ShardKVService.Methods.openSession) { try await self.openSession($0) }
        router.registerUnary(ShardKVService.Methods.put) { try await self.put($0) }
        router.registerUnary(ShardKVService.Methods.append) { try await self.append($0) }
        router.registerUnary(ShardKVService.Methods.delete) { try await self.delete($0) }
        router.registerUnary(ShardKVService.Methods.status) { try await self.status($0) }
    }
}
