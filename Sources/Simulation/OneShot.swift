import Synchronization

/// A value that is set once and awaited by any number of tasks; waiting is cancellable.
///
/// Used by the network for "the request is complete", "the handler returned" and "the network
/// was cleaned up". ``fulfil(_:)`` may be called from any task; only the first call has an
/// effect. ``wait()`` returns the value, or `nil` as soon as the waiting task is cancelled (it
/// never suspends a cancelled task). ``fulfil(_:)`` resumes the waiters in the order they
/// started waiting, so a run on a ``SimulationScheduler`` does not depend on hashing. Thread
/// safety: all state is under one mutex, and continuations are resumed outside it.
final class OneShot<Value: Sendable>: Sendable {
    private enum State {
        case pending(waiters: [UInt64: CheckedContinuation<Value?, Never>], nextWaiterID: UInt64)
        case fulfilled(Value)
    }

    private let state = Mutex<State>(.pending(waiters: [:], nextWaiterID: 0))

    init() {}

    /// Sets the value and wakes every waiter; returns `false` (and changes nothing) if the
    /// value was already set.
    @discardableResult
    func fulfil(_ value: Value) -> Bool {
        let waiters: [CheckedContinuation<Value?, Never>]? = state.withLock { state in
            guard case .pending(let waiters, _) = state else { return nil }
            state = .fulfilled(value)
            // In id (arrival) order, never hash order: each resumption enqueues a job, and on a
            // `SimulationScheduler` the order of those jobs is part of the run. Swift seeds its
            // hashing per process, so `waiters.values` could differ between two runs of one
            // seed (issue 16).
            return waiters.sorted { $0.key < $1.key }.map(\.value)
        }
        guard let waiters else { return false }
        for waiter in waiters { waiter.resume(returning: value) }
        return true
    }

    /// The value if it is set, without waiting.
    var value: Value? {
        state.withLock { state in
            if case .fulfilled(let value) = state { return value }
            return nil
        }
    }

    /// Waits for the value; `nil` if the calling task is (or becomes) cancelled first.
    func wait() async -> Value? {
        // The waiter's id is reserved before suspending so that the cancellation handler,
        // which may run concurrently with the registration, can find it.
        let id: UInt64? = state.withLock { state in
            guard case .pending(let waiters, let next) = state else { return nil }
            state = .pending(waiters: waiters, nextWaiterID: next + 1)
            return next
        }
        guard let id else { return value }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Value?, Never>) in
                let immediate: Value?? = state.withLock { state in
                    switch state {
                    case .fulfilled(let value):
                        return .some(value)
                    case .pending(var waiters, let next):
                        // The cancelled flag is set before cancellation handlers run, so a
                        // cancellation that raced with us is seen here or finds the waiter.
                        if Task.isCancelled { return .some(nil) }
                        waiters[id] = continuation
                        state = .pending(waiters: waiters, nextWaiterID: next)
                        return .none
                    }
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter: CheckedContinuation<Value?, Never>? = state.withLock { state in
                guard case .pending(var waiters, let next) = state,
                    let waiter = waiters.removeValue(forKey: id)
                else { return nil }
                state = .pending(waiters: waiters, nextWaiterID: next)
                return waiter
            }
            waiter?.resume(returning: nil)
        }
    }
}
