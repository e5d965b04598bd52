public import RPCCore
public import RSM
import RPCProtobuf

/// The server side of `skv.shardctrler.ShardCtrler`: one function per RPC. Domain outcomes
/// (wrong leader, unknown group, …) are reply values; thrown errors become RPC statuses.
public protocol ShardCtrlerServiceProtocol: RegistrableRPCService {
    func openSession(_ request: OpenSessionRequest) async throws -> ChangeReply
    func join(_ request: JoinRequest) async throws -> ChangeReply
    func leave(_ request: LeaveRequest) async throws -> ChangeReply
    func move(_ request: MoveRequest) async throws -> ChangeReply
    func setServers(_ request: JoinRequest) async throws -> ChangeReply
    func query(_ request: QueryRequest) async throws -> QueryReply
    func status(_ request: ShardCtrlerStatusRequest) async throws -> ShardCtrlerStatusReply
}

extension ShardCtrlerServiceProtocol {
    public func registerMethods(with router: inout RPCRouter) {
        router.registerUnary(ShardCtrlerService.Methods.openSession) { try await self.openSession($0) }
        router.registerUnary(ShardCtrlerService.Methods.join) { try await self.join($0) }
        router.registerUnary(ShardCtrlerService.Methods.leave) { try await self.leave($0) }
        router.registerUnary(ShardCtrlerService.Methods.move) { try await self.move($0) }
        router.registerUnary(ShardCtrlerService.Methods.setServers) { try await self.setServers($0) }
        router.registerUnary(ShardCtrlerService.Methods.query) { try await self.query($0) }
        router.registerUnary(ShardCtrlerService.Methods.status) { try await self.status($0) }
    }
}
