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
