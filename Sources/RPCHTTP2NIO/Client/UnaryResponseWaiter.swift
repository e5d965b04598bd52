import RPCCore
import Synchronization

/// Where a unary call's response parts gather on the connection's event loop until the response
/// is complete (``UnaryResponseParts``); then the calling task, suspended once for the whole
/// call, is resumed with all of them.
///
/// Thread confinement: `response` and `continuation` are touched only on the connection's loop
/// (the continuation is handed to it by the task that made it, through the loop's queue); the
/// one field the calling task's cancellation handler touches, `cancelled`, is atomic.
final class UnaryResponseWaiter: @unchecked Sendable {
    // @unchecked: see the thread confinement above — the loop is the one owner of the mutable
    // fields other than the atomic.
    private var response = UnaryResponseParts()
    private var continuation: UnsafeContinuation<UnaryResponseParts, Never>?
    private let cancelledFlag = Atomic<Bool>(false)

    init() {}

    /// Whether the calling task was cancelled (set before its stream is reset on the loop).
    var cancelled: Bool { cancelledFlag.load(ordering: .acquiring) }

    func cancel() {
        cancelledFlag.store(true, ordering: .releasing)
    }

    /// On the loop: where the parts go once complete. Called once, before any part arrives.
    func wait(_ continuation: UnsafeContinuation<UnaryResponseParts, Never>) {
        precondition(self.continuation == nil, "a unary response is awaited once")
        self.continuation = continuation
    }

    /// On the loop: the next part. Returns `true` once the response is complete (the task has
    /// been resumed; the caller ends the stream if that part was not its status).
    @discardableResult
    func append(_ part: RPCResponsePart) -> Bool {
        guard let continuation else { return true }  // resumed already
        guard response.append(part) else { return false }
        self.continuation = nil
        continuation.resume(returning: response)
        return true
    }
}
