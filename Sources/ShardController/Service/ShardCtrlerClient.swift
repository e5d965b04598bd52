public import RPCCore
public import RSM
import RPCProtobuf

/// The client side of `skv.shardctrler.ShardCtrler`: one function per RPC, no retries (the
/// ``ShardCtrlerClerk`` retries).
public struct ShardCtrlerClient: Sendable {
    public let client: RPCClient

    public init(wrapping client: RPCClient) {
        self.client = client
    }

    public func openSession(
        _ request: OpenSessionRequest, options: CallOptions = .defaults
    ) async throws -> ChangeReply {
        try await client.unary(request, ShardCtrlerService.Methods.openSession, options: options)
    }

    public func join(_ request: JoinRequest, options: CallOptions = .defaults) async throws -> ChangeReply {
        try await client.unary(request, ShardCtrlerService.Methods.join, options: options)
    }

    public func leave(_ request: LeaveRequest, options: CallOptions = .defaults) async throws -> ChangeReply {
        try await client.unary(request, ShardCtrlerService.Methods.leave, options: options)
    }

    public func move(_ request: MoveRequest, options: CallOptions = .defaults) async throws -> ChangeReply {
        try await client.unary(request, ShardCtrlerService.Methods.move, options: options)
    }

    public func setServers(_ request: JoinRequest, options: CallOptions = .defaults) async throws -> ChangeReply {
        try await client.unary(request, ShardCtrlerService.Methods.setServers, options: options)
    }

    public func query(_ request: QueryRequest, options: CallOptions = .defaults) async throws -> QueryReply {
        try await client.unary(request, ShardCtrlerService.Methods.query, options: options)
    }

    public func status(
        _ request: ShardCtrlerStatusRequest = ShardCtrlerStatusRequest(), options: CallOptions = .defaults
    ) async throws -> ShardCtrlerStatusReply {
        try await client.unary(request, ShardCtrlerService.Methods.status, options: options)
    }
}
