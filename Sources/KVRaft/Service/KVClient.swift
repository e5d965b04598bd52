public import RPCCore
public import RSM
import RPCProtobuf

/// The client side of `skv.kv.KV`: one function per RPC, no retries (the ``Clerk`` retries).
public struct KVClient: Sendable {
    public let client: RPCClient

    public init(wrapping client: RPCClient) {
        self.client = client
    }

    public func get(_ request: GetRequest, options: CallOptions = .defaults) async throws -> GetReply {
        try await client.unary(request, KVService.Methods.get, options: options)
    }

    public func openSession(
        _ request: OpenSessionRequest, options: CallOptions = .defaults
    ) async throws -> WriteReply {
        try await client.unary(request, KVService.Methods.openSession, options: options)
    }

    public func put(_ request: PutRequest, options: CallOptions = .defaults) async throws -> WriteReply {
        try await client.unary(request, KVService.Methods.put, options: options)
    }

    public func append(_ request: AppendRequest, options: CallOptions = .defaults) async throws -> WriteReply {
        try await client.unary(request, KVService.Methods.append, options: options)
    }

    public func delete(_ request: DeleteRequest, options: CallOptions = .defaults) async throws -> WriteReply {
        try await client.unary(request, KVService.Methods.delete, options: options)
    }

    public func compareAndSwap(
        _ request: CompareAndSwapRequest, options: CallOptions = .defaults
    ) async throws -> CompareAndSwapReply {
        try await client.unary(request, KVService.Methods.compareAndSwap, options: options)
    }

    public func status(
        _ request: StatusRequest = StatusRequest(), options: CallOptions = .defaults
    ) async throws -> StatusReply {
        try await client.unary(request, KVService.Methods.status, options: options)
    }

    public func snapshot(
        _ request: SnapshotRequest = SnapshotRequest(), options: CallOptions = .defaults
    ) async throws -> SnapshotReply {
        try await client.unary(request, KVService.Methods.snapshot, options: options)
    }
}
