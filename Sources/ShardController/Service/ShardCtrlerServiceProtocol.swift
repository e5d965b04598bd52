public import RPCCore
import RPCProtobuf

/// The server side of `skv.shardctrler.ShardCtrler`: one function per RPC. Domain outcomes
/// (wrong leader, unknown group, …) are reply values; thrown errors become RPC statuses.
public protocol ShardCtrlerServiceProtocol: RegistrableRPCService {
    func join(_ request: JoinRequest) async throws -> ChangeReply
    func leave(_ request: LeaveRequest) async throws -> ChangeReply
    func move(_ request: MoveRequest) async throws -> ChangeReply
    func query(_ request: QueryRequest) async throws -> QueryReply
}

extension ShardCtrlerServiceProtocol {
    public func registerMethods(with router: inout RPCRouter) {
        router.registerUnary(
            ShardCtrlerService.Methods.join, deserializer: ProtobufDeserializer<JoinRequest>(),
            serializer: ProtobufSerializer<ChangeReply>()
        ) { request, _ in
            ServerResponse(message: try await self.join(request.message))
        }
        router.registerUnary(
            ShardCtrlerService.Methods.leave, deserializer: ProtobufDeserializer<LeaveRequest>(),
            serializer: ProtobufSerializer<ChangeReply>()
        ) { request, _ in
            ServerResponse(message: try await self.leave(request.message))
        }
        router.registerUnary(
            ShardCtrlerService.Methods.move, deserializer: ProtobufDeserializer<MoveRequest>(),
            serializer: ProtobufSerializer<ChangeReply>()
        ) { request, _ in
            ServerResponse(message: try await self.move(request.message))
        }
        router.registerUnary(
            ShardCtrlerService.Methods.query, deserializer: ProtobufDeserializer<QueryRequest>(),
            serializer: ProtobufSerializer<QueryReply>()
        ) { request, _ in
            ServerResponse(message: try await self.query(request.message))
        }
    }
}
