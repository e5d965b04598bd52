public import RPCCore

extension RPCRouter {
    /// Registers a unary method whose request and reply are protobuf-c messages and whose
    /// handler needs neither metadata nor the server context: the few lines every handwritten
    /// service stub (`KVServiceProtocol`, `ShardKVServiceProtocol`, …) repeats per method.
    public mutating func registerUnary<Request: ProtobufCConvertible, Reply: ProtobufCConvertible>(
        _ descriptor: MethodDescriptor, handler: @escaping @Sendable (Request) async throws -> Reply
    ) {
        registerUnary(
            descriptor, deserializer: ProtobufDeserializer<Request>(), serializer: ProtobufSerializer<Reply>()
        ) { request, _ in
            ServerResponse(message: try await handler(request.message))
        }
    }
}
