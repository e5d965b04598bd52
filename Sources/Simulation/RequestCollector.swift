import RPCCore
import Synchronization

/// Collects the request parts a client writes on one simulated call until it half-closes.
///
/// Written by the client's request task; ``complete`` is fulfilled with all parts when the
/// client finishes the request, and awaited by the network side of the call. After the call
/// is abandoned (``abandon()``) or the request finished, writes throw `UNAVAILABLE`, so a
/// producer loop ends instead of writing into the void.
final class RequestCollector: Sendable {
    private enum Phase: Sendable {
        case open([RPCRequestPart])
        case closed
    }

    private let phase = Mutex(Phase.open([]))
    /// The complete request, once the client half-closed.
    let complete = OneShot<[RPCRequestPart]>()

    var writer: ClosableRPCWriter<RPCRequestPart> {
        ClosableRPCWriter(
            writer: RPCWriter { [self] part in try self.append([part]) } writeBatch: { [self] batch in try self.append(batch) },
            finish: { [self] in self.finish() },
            writeAndFinish: { [self] batch in
                try self.append(batch)
                self.finish()
            })
    }

    private func append(_ batch: [RPCRequestPart]) throws(RPCError) {
        let accepted = phase.withLock { phase -> Bool in
            guard case .open(var parts) = phase else { return false }
            parts.append(contentsOf: batch)
            phase = .open(parts)
            return true
        }
        guard accepted else {
            throw RPCError(code: .unavailable, message: "The simulated call's request is closed.")
        }
    }

    /// Half-close: the request is complete and goes to the network.
    private func finish() {
        let parts: [RPCRequestPart]? = phase.withLock { phase in
            guard case .open(let parts) = phase else { return nil }
            phase = .closed
            return parts
        }
        if let parts { complete.fulfil(parts) }
    }

    /// The call ended: later writes fail; an unfinished request is never sent.
    func abandon() {
        phase.withLock { $0 = .closed }
    }
}
