public import RPCCore
import RPCProtobuf

/// The client side of `grpc.testing.UnimplementedService`, which no interop server serves.
public struct UnimplementedServiceClient: Sendable {
    public let client: RPCClient

    public init(wrapping client: RPCClient) {
        self.client = client
    }

    public func unimplementedCall(
        _ request: ClientRequest<Empty>,
        options: CallOptions = .defaults
    ) async throws -> ClientResponse<Empty> {
        try await client.unary(
            request: request, descriptor: UnimplementedService.Methods.unimplementedCall,
            serializer: ProtobufSerializer<Empty>(), deserializer: ProtobufDeserializer<Empty>(), options: options)
    }
}
