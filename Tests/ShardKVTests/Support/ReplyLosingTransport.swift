import RPCCore
import Synchronization

/// Test support: a client end that loses the reply of the first call of one method *after* the
/// server ran it (as a dropped reply on a real network): it runs `onLoss`, then reports
/// `UNAVAILABLE`. Every other call passes through.
final class ReplyLosingTransport: ClientTransport {
    private let inner: any ClientTransport
    private let method: MethodDescriptor
    private let onLoss: @Sendable () async -> Void
    private let lost = Atomic<Bool>(false)

    init(wrapping inner: any ClientTransport, method: MethodDescriptor, onLoss: @escaping @Sendable () async -> Void) {
        self.inner = inner
        self.method = method
        self.onLoss = onLoss
    }

    /// Whether the reply was lost already.
    var hasLostReply: Bool { lost.load(ordering: .acquiring) }

    func withStream<Result: Sendable>(
        descriptor: MethodDescriptor, options: CallOptions, _ body: @Sendable (ClientStream) async throws -> Result
    ) async throws -> Result {
        let result = try await inner.withStream(descriptor: descriptor, options: options, body)
        guard descriptor == method,
            lost.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return result }
        await onLoss()
        throw RPCError(code: .unavailable, message: "The test lost the reply.")
    }

    func close() async {
        await inner.close()
    }
}
