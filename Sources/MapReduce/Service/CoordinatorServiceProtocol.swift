public import RPCCore
import RPCProtobuf

/// The server side of `skv.mapreduce.Coordinator`: one async function per RPC.
///
/// Conforming types get ``registerMethods(with:)`` for free, which registers both methods with
/// protobuf-c coding. Functions are called concurrently, once per call, on tasks owned by the
/// server; throwing an ``RPCError`` ends the call with its status.
public protocol CoordinatorServiceProtocol: RegistrableRPCService {
    /// A worker asks for its next task; the answer may be "wait" or "exit".
    func requestTask(request: ServerRequest<TaskRequest>, context: ServerContext) async throws -> ServerResponse<TaskAssignment>

    /// A worker reports that a task's output files are complete.
    func reportTask(request: ServerRequest<TaskReport>, context: ServerContext) async throws -> ServerResponse<TaskReportReply>
}

extension CoordinatorServiceProtocol {
    public func registerMethods(with router: inout RPCRouter) {
        router.registerUnary(
            Coordinator.Methods.requestTask,
            deserializer: ProtobufDeserializer<TaskRequest>(), serializer: ProtobufSerializer<TaskAssignment>()
        ) { request, context in
            try await self.requestTask(request: request, context: context)
        }
        router.registerUnary(
            Coordinator.Methods.reportTask,
            deserializer: ProtobufDeserializer<TaskReport>(), serializer: ProtobufSerializer<TaskReportReply>()
        ) { request, context in
            try await self.reportTask(request: request, context: context)
        }
    }
}
