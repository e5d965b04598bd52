public import RPCCore
import RPCProtobuf

/// The client side of `grpc.testing.TestService`: one function per RPC, including
/// `UnimplementedCall` (which a conforming server answers with `UNIMPLEMENTED`).
///
/// Each function makes one call through the wrapped ``RPCClient`` with protobuf-c coding and
/// has that client's semantics: non-OK statuses throw ``RPCError``; streaming responses are
/// handled inside `onResponse`, and the call is over when it returns.
public struct TestServiceClient: Sendable {
    public let client: RPCClient

    public init(wrapping client: RPCClient) {
        self.client = client
    }

    public func emptyCall(
        _ request: ClientRequest<Empty>,
        options: CallOptions = .defaults
    ) async throws -> ClientResponse<Empty> {
        try await client.unary(
            request: request, descriptor: TestService.Methods.emptyCall,
            serializer: ProtobufSerializer<Empty>(), deserializer: ProtobufDeserializer<Empty>(), options: options)
    }

    public func unaryCall(
        _ request: ClientRequest<SimpleRequest>,
        options: CallOptions = .defaults
    ) async throws -> ClientResponse<SimpleResponse> {
        try await client.unary(
            request: request, descriptor: TestService.Methods.unaryCall,
            serializer: ProtobufSerializer<SimpleRequest>(), deserializer: ProtobufDeserializer<SimpleResponse>(),
            options: options)
    }

    public func streamingOutputCall<Result: Sendable>(
        _ request: ClientRequest<StreamingOutputCallRequest>,
        options: CallOptions = .defaults,
        onResponse: @escaping @Sendable (StreamingClientResponse<StreamingOutputCallResponse>) async throws -> Result
    ) async throws -> Result {
        try await client.serverStreaming(
            request: request, descriptor: TestService.Methods.streamingOutputCall,
            serializer: ProtobufSerializer<StreamingOutputCallRequest>(),
            deserializer: ProtobufDeserializer<StreamingOutputCallResponse>(),
            options: options, onResponse: onResponse)
    }

    public func streamingInputCall(
        _ request: StreamingClientRequest<StreamingInputCallRequest>,
        options: CallOptions = .defaults
    ) async throws -> ClientResponse<StreamingInputCallResponse> {
        try await client.clientStreaming(
            request: request, descriptor: TestService.Methods.streamingInputCall,
            serializer: ProtobufSerializer<StreamingInputCallRequest>(),
            deserializer: ProtobufDeserializer<StreamingInputCallResponse>(), options: options)
    }

    public func fullDuplexCall<Result: Sendable>(
        _ request: StreamingClientRequest<StreamingOutputCallRequest>,
        options: CallOptions = .defaults,
        onResponse: @escaping @Sendable (StreamingClientResponse<StreamingOutputCallResponse>) async throws -> Result
    ) async throws -> Result {
        try await client.bidirectionalStreaming(
            request: request, descriptor: TestService.Methods.fullDuplexCall,
            serializer: ProtobufSerializer<StreamingOutputCallRequest>(),
            deserializer: ProtobufDeserializer<StreamingOutputCallResponse>(),
            options: options, onResponse: onResponse)
    }

    public func halfDuplexCall<Result: Sendable>(
        _ request: StreamingClientRequest<StreamingOutputCallRequest>,
        options: CallOptions = .defaults,
        onResponse: @escaping @Sendable (StreamingClientResponse<StreamingOutputCallResponse>) async throws -> Result
    ) async throws -> Result {
        try await client.bidirectionalStreaming(
            request: request, descriptor: TestService.Methods.halfDuplexCall,
            serializer: ProtobufSerializer<StreamingOutputCallRequest>(),
            deserializer: ProtobufDeserializer<StreamingOutputCallResponse>(),
            options: options, onResponse: onResponse)
    }

    public func unimplementedCall(
        _ request: ClientRequest<Empty>,
        options: CallOptions = .defaults
    ) async throws -> ClientResponse<Empty> {
        try await client.unary(
            request: request, descriptor: TestService.Methods.unimplementedCall,
            serializer: ProtobufSerializer<Empty>(), deserializer: ProtobufDeserializer<Empty>(), options: options)
    }
}
