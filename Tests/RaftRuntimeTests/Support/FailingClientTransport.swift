import RPCCore

/// A client transport whose every call fails with `UNAVAILABLE` (a peer nobody serves).
struct FailingClientTransport: ClientTransport {
    func withStream<Result: Sendable>(
        descriptor: MethodDescriptor, options: CallOptions, _ body: @Sendable (ClientStream) async throws -> Result
    ) async throws -> Result {
        throw RPCError(code: .unavailable, message: "no server")
    }

    func close() async {}
}
