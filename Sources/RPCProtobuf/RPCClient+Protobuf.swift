public import RPCCore

extension RPCClient {
    /// One unary call whose request and reply are protobuf-c messages: the one-line body of
    /// every handwritten client stub (`KVClient`, `ShardCtrlerClient`, `ShardKVClient`, …).
    /// Inlinable, as the `unary` it calls: the stub's module then specializes the whole call
    /// for its messages (unspecialized here, it looked up the messages' generic metadata on
    /// every call).
    @inlinable
    public func unary<Request: ProtobufCConvertible, Reply: ProtobufCConvertible>(
        _ request: Request, _ descriptor: MethodDescriptor, options: CallOptions
    ) async throws -> Reply {
        try await unary(
            request: ClientRequest(message: request), descriptor: descriptor,
            serializer: ProtobufSerializer<Request>(), deserializer: ProtobufDeserializer<Reply>(), options: options
        ).message
    }
}
