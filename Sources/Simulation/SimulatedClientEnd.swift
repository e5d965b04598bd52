public import RPCCore
import Synchronization

/// One client end of a ``SimulatedNetwork``: a one-directional link from one caller to the
/// server the end is connected to, usable as the ``ClientTransport`` of an ``RPCClient``.
///
/// Created only by ``SimulatedNetwork/makeEnd(name:)``; copies are the same end. Any number
/// of calls may run concurrently on one end; each is delivered (or lost) independently, so
/// replies may be reordered.
///
/// Delivery is store-and-forward, which is what labrpc's semantics need for unary calls
/// (every lab RPC is unary): the request is sent when the client half-closes, and the
/// handler's response parts (initial metadata, messages, status) reach the client together
/// once the handler returns. Client-streaming and server-streaming calls therefore work too,
/// with whole requests and whole responses subject to the same faults; a bidirectional call
/// that waits for a response before half-closing never progresses and ends only at its
/// deadline or cancellation. Every failure of the network is a trailers-only status
/// `UNAVAILABLE`; a call refused before it starts (network cleaned up, end closed) throws
/// `RPCError(code: .unavailable)` from ``withStream(descriptor:options:_:)``.
///
/// Cancellation: when the caller's task is cancelled or its deadline passes, the call stops
/// waiting at once (every delay is cancellable); the handler, if it runs, is not cancelled.
/// The handler's ``ServerContext/deadline`` carries the client's deadline for information (in
/// real time only), but the network does not enforce it (labrpc never interrupts a handler).
///
/// Deadlines: in real time ``RPCClient`` enforces a call's timeout. In virtual time the end
/// enforces it itself, on the network's virtual clock (``enforcesDeadlines``): the call ends
/// with `DEADLINE_EXCEEDED` once the timeout has passed in virtual time, so clerks keep their
/// per-RPC timeouts in a simulation.
public struct SimulatedClientEnd: ClientTransport {
    /// The end's name in its network (pass it to ``SimulatedNetwork/connect(end:to:)`` and
    /// ``SimulatedNetwork/enable(end:_:)``).
    public let name: String
    let network: SimulatedNetwork

    init(name: String, network: SimulatedNetwork) {
        self.name = name
        self.network = network
    }

    public func withStream<Result: Sendable>(
        descriptor: MethodDescriptor,
        options: CallOptions,
        _ body: @Sendable (ClientStream) async throws -> Result
    ) async throws -> Result {
        if let refusal = network.refusal(forEnd: name) {
            throw RPCError(code: .unavailable, message: refusal)
        }
        let request = RequestCollector()
        let (responses, responseSink) = AsyncThrowingStream.makeStream(of: RPCResponsePart.self)
        let enforcedTimeout = enforcesDeadlines ? options.timeout : nil
        // The server's deadline is an instant of the continuous clock: information in real time,
        // meaningless in virtual time.
        let deadline = enforcesDeadlines ? nil : options.timeout.map { ContinuousClock.now.advanced(by: $0) }
        let stream = ClientStream(
            descriptor: descriptor, inbound: RPCAsyncSequence(wrapping: responses), outbound: request.writer)
        let network = self.network
        let name = self.name

        return try await withThrowingTaskGroup(of: Void.self) { group in
            // The network side of the call: waits for the complete request, runs labrpc's
            // algorithm and hands the outcome to the client. Cancelled when the body leaves.
            group.addTask {
                guard let parts = await request.complete.wait() else { return }
                let outcome = await network.deliver(
                    endName: name, descriptor: descriptor, request: parts, deadline: deadline)
                switch outcome {
                case .delivered(let reply):
                    for part in reply { responseSink.yield(part) }
                case .failed(let reason):
                    responseSink.yield(.status(Status(code: .unavailable, message: reason), [:]))
                }
                responseSink.finish()
            }
            if let enforcedTimeout {
                // The call's deadline on the virtual clock: the response side ends with
                // DEADLINE_EXCEEDED (the network side is cancelled when the body leaves).
                let timeSource = network.timeSource
                group.addTask {
                    guard (try? await timeSource.sleep(for: enforcedTimeout)) != nil else { return }
                    let message = "Deadline of \(enforcedTimeout) exceeded."
                    responseSink.yield(.status(Status(code: .deadlineExceeded, message: message), [:]))
                    responseSink.finish()
                }
            }
            defer {
                group.cancelAll()
                request.abandon()
                responseSink.finish()
            }
            return try await body(stream)
        }
    }

    /// In virtual time the end enforces call deadlines on the virtual clock (``RPCClient`` would
    /// enforce them in real time, racing the simulation); in real time ``RPCClient`` does.
    public var enforcesDeadlines: Bool { network.timeSource.taskExecutor != nil }

    /// Closes this end: its new calls fail with `UNAVAILABLE`; calls in flight finish. Other
    /// copies of the end are closed too (they are the same end).
    public func close() async {
        network.closeEnd(name: name)
    }
}
