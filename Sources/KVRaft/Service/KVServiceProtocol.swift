public import RPCCore
public import RSM
import RPCProtobuf

/// The server side of `skv.kv.KV`: one function per RPC. Domain outcomes (wrong leader, no
/// key, …) are reply values; thrown errors become RPC statuses.
public protocol KVServiceProtocol: RegistrableRPCService {
    func get(_ request: GetRequest) async throws -> GetReply
    func openSession(_ request: OpenSessionRequest) async throws -> WriteReply
    func put(_ request: PutRequest) async throws -> WriteReply
    func append(_ request: AppendRequest) async throws -> WriteReply
    func delete(_ request: DeleteRequest) async throws -> WriteReply
    func compareAndSwap(_ request: CompareAndSwapRequest) async throws -> CompareAndSwapReply
    func status(_ request: StatusRequest) async throws -> StatusReply
    func snapshot(_ request: SnapshotRequest) async throws -> SnapshotReply
}

extension KVServiceProtocol {
    public func registerMethods(with router: inout RPCRouter) {
        router.registerUnary(KVService.Methods.get) { try await self.get($0) }
        router.registerUnary(KVService.Methods.openSession) { try await self.openSession($0) }
        router.registerUnary(KVService.Methods.put) { try await self.put($0) }
        router.registerUnary(KVService.Methods.append) { try await self.append($0) }
        router.registerUnary(KVService.Methods.delete) { try await self.delete($0) }
        router.registerUnary(KVService.Methods.compareAndSwap) { try await self.compareAndSwap($0) }
        router.registerUnary(KVService.Methods.status) { try await self.status($0) }
        router.registerUnary(KVService.Methods.snapshot) { try await self.snapshot($0) }
    }
}
