/// Makes calls through one client transport. Handwritten client stubs wrap an `RPCClient`
/// with one function per method.
///
/// Every call type is built on ``bidirectionalStreaming(request:descriptor:serializer:deserializer:options:onResponse:)``:
/// the request producer and the response consumer run concurrently; the call's deadline
/// (``CallOptions/timeout``) is enforced locally as well as sent to the server.
public struct RPCClient: Sendable {
    public let transport: any ClientTransport

    public init(transport: any ClientTransport) {
        self.transport = transport
    }

    public func bidirectionalStreaming<Input: Sendable, Output: Sendable, Result: Sendable>(
        request: StreamingClientRequest<Input>,
        descriptor: MethodDescriptor,
        serializer: some MessageSerializer<Input>,
        deserializer: some MessageDeserializer<Output>,
        options: CallOptions = .defaults,
        onResponse: @escaping @Sendable (StreamingClientResponse<Output>) async throws -> Result
    ) async throws -> Result {
        let transport = self.transport
        // A transport that enforces the deadline itself (on its I/O thread) spares each call a
        // timer task and the task group around it.
        let timeout = transport.enforcesDeadlines ? nil : options.timeout
        return try await withDeadline(timeout) {
            try await transport.withStream(descriptor: descriptor, options: options) { stream in
                if let single = request.single {
                    return try await Self.run(
                        stream: stream, single: single, serializer: serializer, deserializer: deserializer,
                        onResponse: onResponse)
                }
                return try await Self.run(
                    stream: stream, request: request, serializer: serializer, deserializer: deserializer,
                    onResponse: onResponse)
            }
        }
    }

    /// A call with one request message, in the calling task: the request is written (metadata,
    /// message and end of stream in one step), then the response is read. No concurrent
    /// producer is needed: a transport's final write does not wait for the response, and if
    /// the stream ends before the request is taken (the server answered early, the deadline
    /// passed, the connection was lost) the write fails and the response side reports the
    /// status, as in the streaming case.
    private static func run<Input: Sendable, Output: Sendable, Result: Sendable>(
        stream: ClientStream,
        single: ClientRequest<Input>,
        serializer: some MessageSerializer<Input>,
        deserializer: some MessageDeserializer<Output>,
        onResponse: @escaping @Sendable (StreamingClientResponse<Output>) async throws -> Result
    ) async throws -> Result {
        let bytes = try serializer.serialize(single.message)
        try? await stream.outbound.finish(afterWriting: [.metadata(single.metadata), .message(bytes)])
        return try await respond(stream: stream, deserializer: deserializer, onResponse: onResponse)
    }

    /// Reads the response side of a call and hands it to `onResponse`.
    private static func respond<Output: Sendable, Result: Sendable>(
        stream: ClientStream,
        deserializer: some MessageDeserializer<Output>,
        onResponse: @escaping @Sendable (StreamingClientResponse<Output>) async throws -> Result
    ) async throws -> Result {
        let iterator = IteratorBox(stream.inbound.makeAsyncIterator())
        let response: StreamingClientResponse<Output>
        switch try await iterator.next() {
        case .metadata(let metadata)?:
            response = StreamingClientResponse(
                metadata: metadata,
                bodyParts: RPCAsyncSequence(wrapping: ClientBodySequence(iterator: iterator, deserializer: deserializer)))
        case .status(let status, let trailers)?:
            // A trailers-only response: no messages.
            guard status.code == .ok else {
                throw RPCError(code: status.code, message: status.message, metadata: trailers)
            }
            response = StreamingClientResponse(metadata: [:], bodyParts: .elements([.trailingMetadata(trailers)]))
        case .message?:
            throw RPCError(code: .internal, message: "The server sent a message before its metadata.")
        case nil:
            if Task.isCancelled { throw RPCError(code: .cancelled, message: "The RPC was cancelled.") }
            throw RPCError(code: .internal, message: "The response stream ended without a status.")
        }
        return try await onResponse(response)
    }

    private static func run<Input: Sendable, Output: Sendable, Result: Sendable>(
        stream: ClientStream,
        request: StreamingClientRequest<Input>,
        serializer: some MessageSerializer<Input>,
        deserializer: some MessageDeserializer<Output>,
        onResponse: @escaping @Sendable (StreamingClientResponse<Output>) async throws -> Result
    ) async throws -> Result {
        try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                // A failed transport write means the stream is gone; the response side then
                // reports the status the server or transport gave, so it is not an error
                // here. An error thrown by the producer itself aborts the call.
                do {
                    do {
                        try await stream.outbound.write(.metadata(request.metadata))
                    } catch {
                        throw TransportWriteFailed(underlying: error)
                    }
                    try await request.producer(RPCWriter { message in
                        let bytes = try serializer.serialize(message)
                        do {
                            try await stream.outbound.write(.message(bytes))
                        } catch {
                            throw TransportWriteFailed(underlying: error)
                        }
                    })
                    await stream.outbound.finish()
                } catch is TransportWriteFailed {
                    return nil
                }
                return nil
            }
            group.addTask {
                try await respond(stream: stream, deserializer: deserializer, onResponse: onResponse)
            }
            // The response side decides the call's outcome. The request side may fail early
            // (its producer threw): that aborts the call. If the request side is still
            // writing when the response completes, it is cancelled.
            while let next = try await group.next() {
                if let result = next {
                    group.cancelAll()
                    return result
                }
            }
            preconditionFailure("the response task always returns a result or throws")
        }
    }
}

extension RPCClient {
    /// Unary call: one request message, one response message.
    ///
    /// Its own path rather than `bidirectionalStreaming` with a collecting callback (same
    /// outcomes for every response a server can send; the tests compare the two): the request
    /// is written in one step and the transport hands back the whole response at once
    /// (``ClientTransport/unaryResponseParts(descriptor:options:request:)``), so the call waits
    /// once, with no request producer, response sequence, iterator or callback per call.
    /// Inlinable, so that a stub's module specializes it for its message types: the
    /// unspecialized generic path cost a Swift client ≈ 6 % of its CPU in generic-metadata
    /// lookups alone (issue 15's client profile).
    @inlinable
    public func unary<Input: Sendable, Output: Sendable>(
        request: ClientRequest<Input>,
        descriptor: MethodDescriptor,
        serializer: some MessageSerializer<Input>,
        deserializer: some MessageDeserializer<Output>,
        options: CallOptions = .defaults
    ) async throws -> ClientResponse<Output> {
        let transport = self.transport
        let bytes = try serializer.serialize(request.message)
        let request: [RPCRequestPart] = [.metadata(request.metadata), .message(bytes)]
        // As in `bidirectionalStreaming`: a transport that enforces the deadline itself spares
        // the call a timer task — and here also the escaping closure `withDeadline` takes, which
        // is allocated even when it has no deadline to run, hence the two branches.
        let response: UnaryResponseParts
        if transport.enforcesDeadlines {
            response = try await transport.unaryResponseParts(
                descriptor: descriptor, options: options, request: request)
        } else {
            response = try await withDeadline(options.timeout) {
                try await transport.unaryResponseParts(descriptor: descriptor, options: options, request: request)
            }
        }
        return try Self.unaryResponse(response.parts, deserializer: deserializer)
    }

    /// Reads a unary response: initial metadata, exactly one message, an OK status. Any other
    /// sequence is the error `bidirectionalStreaming`'s response reading and `collectSingle`
    /// give for it, in the same order of checks; parts that end before a status are a stream
    /// that ended early.
    @inlinable
    static func unaryResponse<Output: Sendable>(
        _ parts: [RPCResponsePart], deserializer: some MessageDeserializer<Output>
    ) throws -> ClientResponse<Output> {
        var parts = parts.makeIterator()
        let metadata: Metadata
        switch parts.next() {
        case .metadata(let initial)?:
            metadata = initial
        case .status(let status, let trailers)?:
            // A trailers-only response: no message.
            guard status.code == .ok else {
                throw RPCError(code: status.code, message: status.message, metadata: trailers)
            }
            throw RPCError(code: .internal, message: "The unary response had no message.")
        case .message?:
            throw RPCError(code: .internal, message: "The server sent a message before its metadata.")
        case nil:
            throw unaryStreamEndedError()
        }
        var message: Output?
        while true {
            switch parts.next() {
            case .message(let bytes)?:
                let decoded = try deserializer.deserialize(bytes)
                guard message == nil else {
                    throw RPCError(code: .internal, message: "The unary response had more than one message.")
                }
                message = decoded
            case .status(let status, let trailers)?:
                guard status.code == .ok else {
                    throw RPCError(code: status.code, message: status.message, metadata: trailers)
                }
                guard let message else {
                    throw RPCError(code: .internal, message: "The unary response had no message.")
                }
                return ClientResponse(metadata: metadata, message: message, trailingMetadata: trailers)
            case .metadata?:
                throw RPCError(code: .internal, message: "The server sent initial metadata twice.")
            case nil:
                throw unaryStreamEndedError()
            }
        }
    }

    /// The response stream ended without a status: a transport's stream stops early only when
    /// the consuming task is cancelled.
    @usableFromInline
    static func unaryStreamEndedError() -> RPCError {
        if Task.isCancelled { return RPCError(code: .cancelled, message: "The RPC was cancelled.") }
        return RPCError(code: .internal, message: "The response stream ended without a status.")
    }

    /// Client-streaming call: many request messages, one response message.
    public func clientStreaming<Input: Sendable, Output: Sendable>(
        request: StreamingClientRequest<Input>,
        descriptor: MethodDescriptor,
        serializer: some MessageSerializer<Input>,
        deserializer: some MessageDeserializer<Output>,
        options: CallOptions = .defaults
    ) async throws -> ClientResponse<Output> {
        try await bidirectionalStreaming(
            request: request, descriptor: descriptor,
            serializer: serializer, deserializer: deserializer, options: options
        ) { response in try await response.collectSingle() }
    }

    /// Server-streaming call: one request message, a stream of responses handled in `onResponse`.
    public func serverStreaming<Input: Sendable, Output: Sendable, Result: Sendable>(
        request: ClientRequest<Input>,
        descriptor: MethodDescriptor,
        serializer: some MessageSerializer<Input>,
        deserializer: some MessageDeserializer<Output>,
        options: CallOptions = .defaults,
        onResponse: @escaping @Sendable (StreamingClientResponse<Output>) async throws -> Result
    ) async throws -> Result {
        try await bidirectionalStreaming(
            request: StreamingClientRequest(single: request), descriptor: descriptor,
            serializer: serializer, deserializer: deserializer, options: options, onResponse: onResponse)
    }
}

extension StreamingClientResponse {
    /// The single message and trailing metadata of a unary response.
    func collectSingle() async throws -> ClientResponse<Message> {
        var message: Message?
        var trailers: Metadata = [:]
        for try await part in bodyParts {
            switch part {
            case .message(let m):
                guard message == nil else {
                    throw RPCError(code: .internal, message: "The unary response had more than one message.")
                }
                message = m
            case .trailingMetadata(let t):
                trailers = t
            }
        }
        guard let message else {
            throw RPCError(code: .internal, message: "The unary response had no message.")
        }
        return ClientResponse(metadata: metadata, message: message, trailingMetadata: trailers)
    }
}

/// Marks an error of the transport's writer, as opposed to one thrown by a request producer.
struct TransportWriteFailed: Error {
    var underlying: any Error
}

/// Runs `body`, failing with `DEADLINE_EXCEEDED` (and cancelling it) if `timeout` passes first.
@usableFromInline
func withDeadline<Result: Sendable>(
    _ timeout: Duration?,
    _ body: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    guard let timeout else { return try await body() }
    return try await withThrowingTaskGroup(of: Result.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw RPCError(code: .deadlineExceeded, message: "Deadline of \(timeout) exceeded.")
        }
        defer { group.cancelAll() }
        guard let result = try await group.next() else {
            preconditionFailure("the group has two tasks")
        }
        return result
    }
}
