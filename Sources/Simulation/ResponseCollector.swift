import RPCCore
import Synchronization

/// Collects the response parts a handler writes, up to and including its status.
///
/// Written only by the handler's task (the router writes parts in order); read once after
/// the handler returned. Parts written after the status are ignored, as the
/// ``ServerTransport`` contract says; writes never throw, because labrpc lets a handler of
/// an abandoned call finish normally.
final class ResponseCollector: Sendable {
    private struct Parts: Sendable {
        var parts: [RPCResponsePart] = []
        var hasStatus = false
    }

    private let parts = Mutex(Parts())

    var writer: ClosableRPCWriter<RPCResponsePart> {
        return ClosableRPCWriter(
            writer: RPCWriter { [self] part in self.append([part]) } writeBatch: { [self] batch in self.append(batch) },
            finish: {})
    }

    private func append(_ batch: [RPCResponsePart]) {
        parts.withLock { state in
            for part in batch where !state.hasStatus {
                state.parts.append(part)
                if case .status = part { state.hasStatus = true }
            }
        }
    }

    /// The parts written, ending with a status (`INTERNAL` if the handler wrote none, which
    /// the router never does).
    func finishedParts() -> [RPCResponsePart] {
        parts.withLock { state in
            if !state.hasStatus {
                state.parts.append(.status(Status(code: .internal, message: "The handler ended without a status."), [:]))
                state.hasStatus = true
            }
            return state.parts
        }
    }
}
