public import RPCCore
import RPCProtobuf

/// The client side of `skv.mapreduce.Coordinator`: one function per RPC.
///
/// Each function makes one call through the wrapped ``RPCClient`` with protobuf-c coding and
/// has that client's semantics: a non-OK status throws ``RPCError`` (`UNAVAILABLE` when the
/// coordinator cannot be reached).
public struct CoordinatorClient: Sendable {
    public let client: RPCClient

    public init(wrapping client: RPCClient) {
        self.client = client
    }

    public func requestTask(
        _ request: ClientRequest<TaskRequest>,
        options: CallOptions = .defaults
    ) async throws -> ClientResponse<TaskAssignment> {
        try await client.unary(
            request: request, descriptor: Coordinator.Methods.requestTask,
            serializer: ProtobufSerializer<TaskRequest>(), deserializer: ProtobufDeserializer<TaskAssignment>(),
            options: options)
    }

    public func reportTask(
        _ request: ClientRequest<TaskReport>,
        options: CallOptions = .defaults
    ) async throws -> ClientResponse<TaskReportReply> {
        try await client.unary(
            request: request, descriptor: Coordinator.Methods.reportTask,
            serializer: ProtobufSerializer<TaskReport>(), deserializer: ProtobufDeserializer<TaskReportReply>(),
            options: options)
    }
}
