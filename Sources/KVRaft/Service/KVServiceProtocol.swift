public import RPCCore
import RPCProtobuf

/// The server side of `skv.kv.KV`: one function per RPC. Domain outcomes (wrong leader, no
/// key, …) are reply values; thrown errors become RPC statuses.
public protocol KVServiceProtocol: RegistrableRPCService {
    func get(_ request: GetRequest) async throws -> GetReply
    func put(_ request: PutRequest) async throws -> WriteReply
    func append(_ request: AppendRequest) async throws -> WriteReply
    func delete(_ request: DeleteRequest) async throws -> WriteReply
    func compareAndSwap(_ request: CompareAndSwapRequest) async throws -> CompareAndSwapReply
    func status(_ request: StatusRequest) async throws -> StatusReply
}

extension KVServiceProtocol {
    public func registerMethods(with router: inout RPCRouter) {
        router.registerUnary(
            KVService.Methods.get, deserializer: ProtobufDeserializer<GetRequest>(),
            serializer: ProtobufSerializer<GetReply>()
        ) { request, _ in
            ServerResponse(message: try await self.get(request.message))
        }
        router.registerUnary(
            KVService.Methods.put, deserializer: ProtobufDeserializer<PutRequest>(),
            serializer: ProtobufSerializer<WriteReply>()
        ) { request, _ in
            ServerResponse(message: try await self.put(request.message))
        }
        router.registerUnary(
            KVService.Methods.append, deserializer: ProtobufDeserializer<AppendRequest>(),
            serializer: ProtobufSerializer<WriteReply>()
        ) { request, _ in
            ServerResponse(message: try await self.append(request.message))
        }
        router.registerUnary(
            KVService.Methods.delete, deserializer: ProtobufDeserializer<DeleteRequest>(),
            serializer: ProtobufSerializer<WriteReply>()
        ) { request, _ in
            ServerResponse(message: try await self.delete(request.message))
        }
        router.registerUnary(
            KVService.Methods.compareAndSwap, deserializer: ProtobufDeserializer<CompareAndSwapRequest>(),
            serializer: ProtobufSerializer<CompareAndSwapReply>()
        ) { request, _ in
            ServerResponse(message: try await self.compareAndSwap(request.message))
        }
        router.registerUnary(
            KVService.Methods.status, deserializer: ProtobufDeserializer<StatusRequest>(),
            serializer: ProtobufSerializer<StatusReply>()
        ) { request, _ in
            ServerResponse(message: try await self.status(request.message))
        }
    }
}
