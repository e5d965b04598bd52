extension RPCRouter {
    /// Registers a unary method: one request message in, one response out.
    public mutating func registerUnary<Input: Sendable, Output: Sendable>(
        _ descriptor: MethodDescriptor,
        deserializer: some MessageDeserializer<Input>,
        serializer: some MessageSerializer<Output>,
        handler: @escaping @Sendable (ServerRequest<Input>, ServerContext) async throws -> ServerResponse<Output>
    ) {
        registerHandler(forMethod: descriptor, deserializer: deserializer, serializer: serializer) { request, context in
            let single = try await request.single()
            return StreamingServerResponse(single: try await handler(single, context))
        }
    }

    /// Registers a client-streaming method: many request messages in, one response out.
    public mutating func registerClientStreaming<Input: Sendable, Output: Sendable>(
        _ descriptor: MethodDescriptor,
        deserializer: some MessageDeserializer<Input>,
        serializer: some MessageSerializer<Output>,
        handler: @escaping @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> ServerResponse<Output>
    ) {
        registerHandler(forMethod: descriptor, deserializer: deserializer, serializer: serializer) { request, context in
            StreamingServerResponse(single: try await handler(request, context))
        }
    }

    /// Registers a server-streaming method: one request message in, many responses out.
    public mutating func registerServerStreaming<Input: Sendable, Output: Sendable>(
        _ descriptor: MethodDescriptor,
        deserializer: some MessageDeserializer<Input>,
        serializer: some MessageSerializer<Output>,
        handler: @escaping @Sendable (ServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) {
        registerHandler(forMethod: descriptor, deserializer: deserializer, serializer: serializer) { request, context in
            try await handler(try await request.single(), context)
        }
    }

    /// Registers a bidirectional-streaming method.
    public mutating func registerBidirectionalStreaming<Input: Sendable, Output: Sendable>(
        _ descriptor: MethodDescriptor,
        deserializer: some MessageDeserializer<Input>,
        serializer: some MessageSerializer<Output>,
        handler: @escaping @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) {
        registerHandler(forMethod: descriptor, deserializer: deserializer, serializer: serializer, handler: handler)
    }
}

extension StreamingServerRequest {
    /// The one message of a unary request; `INTERNAL` if the client sent none or several.
    func single() async throws -> ServerRequest<Message> {
        var iterator = messages.makeAsyncIterator()
        guard let message = try await iterator.next() else {
            throw RPCError(code: .internal, message: "The unary request stream ended without a message.")
        }
        guard try await iterator.next() == nil else {
            throw RPCError(code: .internal, message: "The unary request stream had more than one message.")
        }
        return ServerRequest(metadata: metadata, message: message)
    }
}
