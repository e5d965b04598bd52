public import RPCCore
import RPCProtobuf

/// The server side of `grpc.testing.TestService`: one async function per implemented RPC.
///
/// Conforming types get ``registerMethods(with:)`` for free, which registers every method of
/// ``TestService/Methods/implemented`` with protobuf-c coding. `UnimplementedCall` is
/// deliberately absent, so the router answers it with `UNIMPLEMENTED`. Functions are called
/// concurrently, once per call, on tasks owned by the server; throwing an ``RPCError`` ends
/// the call with its status and trailing metadata.
public protocol TestServiceProtocol: RegistrableRPCService {
    /// One empty request, one empty response.
    func emptyCall(request: ServerRequest<Empty>, context: ServerContext) async throws -> ServerResponse<Empty>

    /// One request, one response shaped by the request.
    func unaryCall(request: ServerRequest<SimpleRequest>, context: ServerContext) async throws -> ServerResponse<SimpleResponse>

    /// One request, a stream of responses (one per `ResponseParameters`).
    func streamingOutputCall(
        request: ServerRequest<StreamingOutputCallRequest>,
        context: ServerContext
    ) async throws -> StreamingServerResponse<StreamingOutputCallResponse>

    /// A stream of requests, one response once the client half-closes.
    func streamingInputCall(
        request: StreamingServerRequest<StreamingInputCallRequest>,
        context: ServerContext
    ) async throws -> ServerResponse<StreamingInputCallResponse>

    /// A stream of requests, each answered as it arrives.
    func fullDuplexCall(
        request: StreamingServerRequest<StreamingOutputCallRequest>,
        context: ServerContext
    ) async throws -> StreamingServerResponse<StreamingOutputCallResponse>

    /// A stream of requests, all answered after the client half-closes.
    func halfDuplexCall(
        request: StreamingServerRequest<StreamingOutputCallRequest>,
        context: ServerContext
    ) async throws -> StreamingServerResponse<StreamingOutputCallResponse>
}

extension TestServiceProtocol {
    public func registerMethods(with router: inout RPCRouter) {
        router.registerUnary(
            TestService.Methods.emptyCall,
            deserializer: ProtobufDeserializer<Empty>(), serializer: ProtobufSerializer<Empty>()
        ) { request, context in
            try await self.emptyCall(request: request, context: context)
        }
        router.registerUnary(
            TestService.Methods.unaryCall,
            deserializer: ProtobufDeserializer<SimpleRequest>(), serializer: ProtobufSerializer<SimpleResponse>()
        ) { request, context in
            try await self.unaryCall(request: request, context: context)
        }
        router.registerServerStreaming(
            TestService.Methods.streamingOutputCall,
            deserializer: ProtobufDeserializer<StreamingOutputCallRequest>(),
            serializer: ProtobufSerializer<StreamingOutputCallResponse>()
        ) { request, context in
            try await self.streamingOutputCall(request: request, context: context)
        }
        router.registerClientStreaming(
            TestService.Methods.streamingInputCall,
            deserializer: ProtobufDeserializer<StreamingInputCallRequest>(),
            serializer: ProtobufSerializer<StreamingInputCallResponse>()
        ) { request, context in
            try await self.streamingInputCall(request: request, context: context)
        }
        router.registerBidirectionalStreaming(
            TestService.Methods.fullDuplexCall,
            deserializer: ProtobufDeserializer<StreamingOutputCallRequest>(),
            serializer: ProtobufSerializer<StreamingOutputCallResponse>()
        ) { request, context in
            try await self.fullDuplexCall(request: request, context: context)
        }
        router.registerBidirectionalStreaming(
            TestService.Methods.halfDuplexCall,
            deserializer: ProtobufDeserializer<StreamingOutputCallRequest>(),
            serializer: ProtobufSerializer<StreamingOutputCallResponse>()
        ) { request, context in
            try await self.halfDuplexCall(request: request, context: context)
        }
    }
}
