/// The generic dispatcher: maps `/package.Service/Method` to a registered handler.
///
/// Services register their methods once, before the server starts (``RegistrableRPCService``);
/// the router is then immutable and shared by all streams. A stream whose method is not
/// registered is answered with `UNIMPLEMENTED` (whether the service or only the method is
/// unknown). Handlers are written against typed requests and responses; the router owns the
/// (de)serialization and the order of response parts, so every service gets the same framing
/// and error mapping.
public struct RPCRouter: Sendable {
    public typealias StreamHandler = @Sendable (ServerStream, ServerContext) async -> Void

    private var handlers: [MethodDescriptor: StreamHandler] = [:]

    public init() {}

    /// The registered methods.
    public var methods: [MethodDescriptor] { Array(handlers.keys) }

    public func hasHandler(forMethod descriptor: MethodDescriptor) -> Bool {
        handlers[descriptor] != nil
    }

    /// Registers the handler of one method; registering a method twice is a programmer error.
    public mutating func registerHandler<Input: Sendable, Output: Sendable>(
        forMethod descriptor: MethodDescriptor,
        deserializer: some MessageDeserializer<Input>,
        serializer: some MessageSerializer<Output>,
        handler: @escaping @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) {
        precondition(handlers[descriptor] == nil, "method \(descriptor) registered twice")
        let metrics = RPCMethodMetrics(descriptor)
        handlers[descriptor] = { stream, context in
            let start = ContinuousClock.now
            let code = await Self.run(
                stream: stream, context: context, deserializer: deserializer, serializer: serializer, handler: handler)
            metrics.record(code, after: ContinuousClock.now - start)
        }
    }

    /// Runs the handler registered for the stream's method, or answers `UNIMPLEMENTED`.
    public func handle(stream: ServerStream, context: ServerContext) async {
        guard let handler = handlers[stream.descriptor] else {
            try? await stream.outbound.write(
                .status(Status(code: .unimplemented, message: "Unknown method \(stream.descriptor.path)"), [:]))
            await stream.outbound.finish()
            return
        }
        await handler(stream, context)
    }

    private static func run<Input: Sendable, Output: Sendable>(
        stream: ServerStream,
        context: ServerContext,
        deserializer: some MessageDeserializer<Input>,
        serializer: some MessageSerializer<Output>,
        handler: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async -> Status.Code {
        let outbound = stream.outbound
        var status = Status.ok
        var trailers: Metadata = [:]
        do {
            var iterator = stream.inbound.makeAsyncIterator()
            guard case .metadata(let metadata)? = try await iterator.next() else {
                throw RPCError(code: .internal, message: "The request stream did not start with metadata.")
            }
            let messages = RPCAsyncSequence(wrapping: DeserializingSequence(iterator: IteratorBox(iterator), deserializer: deserializer))
            let response = try await handler(StreamingServerRequest(metadata: metadata, messages: messages), context)
            if let single = response.single {
                // One batch: metadata, message and status reach the transport together.
                let bytes = try serializer.serialize(single.message)
                try await outbound.write(contentsOf: [
                    .metadata(single.metadata), .message(bytes), .status(.ok, single.trailingMetadata),
                ])
                await outbound.finish()
                return .ok
            }
            try await outbound.write(.metadata(response.metadata))
            trailers = try await response.producer(RPCWriter { message in
                try await outbound.write(.message(serializer.serialize(message)))
            })
        } catch {
            let rpcError = RPCError(wrapping: error)
            status = rpcError.status
            trailers = rpcError.metadata
        }
        try? await outbound.write(.status(status, trailers))
        await outbound.finish()
        return status.code
    }
}

/// A service whose methods can be registered with a router: the shape of every handwritten
/// server stub.
public protocol RegistrableRPCService: Sendable {
    func registerMethods(with router: inout RPCRouter)
}

/// Holds an async iterator so that the rest of a stream can be consumed through another
/// sequence after its first element was read.
///
/// `@unchecked Sendable` proof: the box is created by the router (or client) after it reads
/// the first part, and from then on only the single consumer of the derived sequence touches
/// it; the derived sequence hands out one iterator, and async iteration is sequential, so
/// there is never concurrent access.
final class IteratorBox<Base: AsyncIteratorProtocol>: @unchecked Sendable {
    var base: Base
    init(_ base: Base) { self.base = base }
    func next() async throws -> Base.Element? { try await base.next() }
}

/// Request messages of a server stream, deserialized one by one.
struct DeserializingSequence<Deserializer: MessageDeserializer>: AsyncSequence, Sendable
where Deserializer.Message: Sendable {
    typealias Element = Deserializer.Message
    let iterator: IteratorBox<RPCAsyncSequence<RPCRequestPart>.AsyncIterator>
    let deserializer: Deserializer

    struct AsyncIterator: AsyncIteratorProtocol {
        let iterator: IteratorBox<RPCAsyncSequence<RPCRequestPart>.AsyncIterator>
        let deserializer: Deserializer
        mutating func next() async throws -> Deserializer.Message? {
            switch try await iterator.next() {
            case nil:
                return nil
            case .message(let bytes)?:
                return try deserializer.deserialize(bytes)
            case .metadata?:
                throw RPCError(code: .internal, message: "Metadata received after the request started.")
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(iterator: iterator, deserializer: deserializer)
    }
}
