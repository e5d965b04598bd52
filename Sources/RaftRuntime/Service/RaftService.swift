public import RPCCore
public import Raft
import RPCProtobuf

/// `skv.raft.Raft`: the peer-to-peer Raft service (handwritten stub).
public enum RaftService {
    public enum Methods {
        /// Delivers messages to a peer; the reply carries its answers to the sender.
        public static let step = MethodDescriptor(service: "skv.raft.Raft", method: "Step")
        /// Delivers one `installSnapshot` message in ``SnapshotChunk``s; the reply is `Step`'s.
        public static let installSnapshot = MethodDescriptor(service: "skv.raft.Raft", method: "InstallSnapshot")
        /// `Step` over one long-lived call: one response per request, in order.
        public static let stepStream = MethodDescriptor(service: "skv.raft.Raft", method: "StepStream")
    }

    /// Largest snapshot `InstallSnapshot` accepts, in bytes: what a member can store
    /// (`SnapshotStore`'s and the snapshot file's 1 GiB bound).
    public static let maxInstalledSnapshotBytes = 1 << 30
}

/// The server side of `skv.raft.Raft`: one function per RPC.
public protocol RaftServiceProtocol: RegistrableRPCService {
    func step(_ request: StepRequest) async throws -> StepResponse
}

extension RaftServiceProtocol {
    public func registerMethods(with router: inout RPCRouter) {
        registerStep(with: &router)
        registerInstallSnapshot(with: &router)
        registerStepStream(with: &router)
    }

    /// Registers `Step`.
    public func registerStep(with router: inout RPCRouter) {
        router.registerUnary(
            RaftService.Methods.step, deserializer: ProtobufDeserializer<StepRequest>(),
            serializer: ProtobufSerializer<StepResponse>()
        ) { request, _ in
            ServerResponse(message: try await self.step(request.message))
        }
    }

    /// Registers `StepStream`: each request is stepped as `Step` would, one after the other,
    /// and its reply written before the next is read, so replies keep the requests' order
    /// (the sender pairs them first in, first out). When the server begins a graceful
    /// shutdown the stream ends with `OK` at once instead of holding the drain for its grace:
    /// a request being stepped is stepped to the end, but its answer may not be written, and
    /// the sender counts the requests left unanswered as failed (Raft retries them, on a new
    /// stream or to a member found gone).
    public func registerStepStream(with router: inout RPCRouter) {
        router.registerBidirectionalStreaming(
            RaftService.Methods.stepStream, deserializer: ProtobufDeserializer<StepRequest>(),
            serializer: ProtobufSerializer<StepResponse>()
        ) { request, context in
            StreamingServerResponse { writer in
                let draining = context.draining
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await step in request.messages {
                            try await writer.write(try await self.step(step))
                        }
                    }
                    if let draining {
                        group.addTask { await draining.wait() }
                    }
                    // Whichever ends first ends the stream: the client closed it (or a step
                    // failed: rethrown as the call's status), or the drain began.
                    defer { group.cancelAll() }
                    try await group.next()
                }
                return [:]
            }
        }
    }

    /// Registers `InstallSnapshot`: the chunks are put back together (``SnapshotAssembly``, at
    /// most ``RaftService/maxInstalledSnapshotBytes``) and the message is stepped as `Step` would.
    public func registerInstallSnapshot(with router: inout RPCRouter) {
        router.registerClientStreaming(
            RaftService.Methods.installSnapshot, deserializer: ProtobufDeserializer<SnapshotChunk>(),
            serializer: ProtobufSerializer<StepResponse>()
        ) { request, _ in
            var assembly = SnapshotAssembly(maxBytes: RaftService.maxInstalledSnapshotBytes)
            for try await chunk in request.messages { try assembly.append(chunk) }
            return ServerResponse(message: try await self.step(StepRequest(messages: [try assembly.finish()])))
        }
    }
}

/// The client side of `skv.raft.Raft`.
public struct RaftPeerClient: Sendable {
    public let client: RPCClient

    public init(wrapping client: RPCClient) {
        self.client = client
    }

    public func step(_ request: StepRequest, options: CallOptions = .defaults) async throws -> StepResponse {
        try await client.unary(
            request: ClientRequest(message: request), descriptor: RaftService.Methods.step,
            serializer: ProtobufSerializer<StepRequest>(), deserializer: ProtobufDeserializer<StepResponse>(),
            options: options
        ).message
    }

    /// Opens a `StepStream` call: every request `requests` yields is sent on it, and
    /// `onResponse` is handed each response as it arrives. Returns when the server ends the
    /// stream (a graceful shutdown), throws its status or the transport's error otherwise.
    /// `options`' timeout bounds the whole call: leave it `nil` for a stream meant to last.
    public func stepStream(
        _ requests: AsyncStream<StepRequest>, options: CallOptions = .defaults,
        onResponse: @escaping @Sendable (StepResponse) async -> Void
    ) async throws {
        try await client.bidirectionalStreaming(
            request: StreamingClientRequest<StepRequest> { writer in
                for await request in requests { try await writer.write(request) }
            },
            descriptor: RaftService.Methods.stepStream,
            serializer: ProtobufSerializer<StepRequest>(), deserializer: ProtobufDeserializer<StepResponse>(),
            options: options
        ) { response in
            for try await message in response.messages { await onResponse(message) }
        }
    }

    /// Sends `message` (an `installSnapshot`) as ``SnapshotChunk``s of at most `chunkBytes`
    /// data bytes, each encoded when the transport has room for it (HTTP/2 flow control), so
    /// neither end holds the snapshot encoded as one message.
    public func installSnapshot(_ message: Message, chunkBytes: Int, options: CallOptions = .defaults)
        async throws -> StepResponse
    {
        let chunks = SnapshotChunks(message, chunkBytes: chunkBytes)
        return try await client.clientStreaming(
            request: StreamingClientRequest<SnapshotChunk> { writer in
                for chunk in chunks { try await writer.write(chunk) }
            },
            descriptor: RaftService.Methods.installSnapshot,
            serializer: ProtobufSerializer<SnapshotChunk>(), deserializer: ProtobufDeserializer<StepResponse>(),
            options: options
        ).message
    }
}
