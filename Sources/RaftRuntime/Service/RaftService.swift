public import RPCCore
import RPCProtobuf

/// `skv.raft.Raft`: the peer-to-peer Raft service (handwritten stub).
public enum RaftService {
    public enum Methods {
        /// Delivers messages to a peer; the reply carries its answers to the sender.
        public static let step = MethodDescriptor(service: "skv.raft.Raft", method: "Step")
    }
}

/// The server side of `skv.raft.Raft`: one function per RPC.
public protocol RaftServiceProtocol: RegistrableRPCService {
    func step(_ request: StepRequest) async throws -> StepResponse
}

extension RaftServiceProtocol {
    public func registerMethods(with router: inout RPCRouter) {
        router.registerUnary(
            RaftService.Methods.step, deserializer: ProtobufDeserializer<StepRequest>(),
            serializer: ProtobufSerializer<StepResponse>()
        ) { request, _ in
            ServerResponse(message: try await self.step(request.message))
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
}
