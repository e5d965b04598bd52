import Synchronization

/// Tells a server's long-lived handlers that a graceful shutdown began.
///
/// Unary calls finish by themselves within the shutdown's grace; a stream that lives as long
/// as its client wants (a Raft member's `StepStream`) would instead hold the drain for its
/// whole grace, so its handler ends the stream when ``wait()`` returns. ``RPCServer`` hands
/// every call its server's signal in ``ServerContext/draining``.
public final class ServerDraining: Sendable {
    private struct State {
        var begun = false
        var nextWaiter: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Whether the server began its graceful shutdown.
    public var hasBegun: Bool { state.withLock { $0.begun } }

    /// Begins the drain: every ``wait()`` returns (idempotent).
    public func begin() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.begun else { return [] }
            state.begun = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the drain has begun (at once if it has), or when the calling task is
    /// cancelled.
    public func wait() async {
        let id = state.withLock { state -> UInt64 in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.begun || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
