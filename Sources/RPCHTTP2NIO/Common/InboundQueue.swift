import Synchronization

/// The received parts of one stream, waiting for the task that consumes them, with the byte
/// accounting that drives HTTP/2 flow control.
///
/// The connection's event loop appends parts (``append(_:bytes:)``); one consumer task reads
/// them with ``next()`` (through ``InboundPartSequence``, not a conformance of its own). When
/// the unread bytes exceed `highWaterBytes`, ``append(_:bytes:)`` returns `true`: the driver
/// then stops acknowledging the stream's DATA to the peer (no WINDOW_UPDATE), so a peer that
/// sends faster than the handler reads is held back by HTTP/2 flow control instead of growing
/// this queue without bound. Once the consumer has read the queue down to `lowWaterBytes`,
/// `onDrained` is called (from the consumer's task) so the driver can resume acknowledging.
///
/// Thread safety: all state is behind a mutex; one producer (the loop) and one consumer.
final class InboundQueue<Element: Sendable>: Sendable {
    private struct State {
        var items: [(Element, Int)] = []
        var head = 0
        var unreadBytes = 0
        var paused = false
        var end: (any Error)?? = nil  // .some(nil): finished normally; .some(error): failed
        /// The suspended consumer. Unchecked (no canary allocation per wait, on every call's
        /// reply): it is only ever stored and taken out under `state`'s lock, and whoever takes
        /// it out (`append`, `finish`, the cancellation handler) resumes it once; `next` stores
        /// it only when it is not resumed at once, so each continuation is resumed exactly once.
        var waiter: UnsafeContinuation<Wake, any Error>?
    }

    private let state = Mutex(State())
    private let highWaterBytes: Int
    private let lowWaterBytes: Int
    private let onDrained: @Sendable () -> Void

    init(highWaterBytes: Int, lowWaterBytes: Int, onDrained: @escaping @Sendable () -> Void) {
        precondition(lowWaterBytes <= highWaterBytes, "low-water mark above high-water mark")
        self.highWaterBytes = highWaterBytes
        self.lowWaterBytes = lowWaterBytes
        self.onDrained = onDrained
    }

    /// Adds a part of `bytes` wire bytes. Returns `true` if the queue just went over its
    /// high-water mark (the driver should pause acknowledging the stream's data).
    @discardableResult
    func append(_ element: Element, bytes: Int) -> Bool {
        let (waiter, pause) = state.withLock { state -> (UnsafeContinuation<Wake, any Error>?, Bool) in
            guard state.end == nil else { return (nil, false) }
            if let waiter = state.waiter {
                state.waiter = nil
                return (waiter, false)
            }
            state.items.append((element, bytes))
            state.unreadBytes += bytes
            if !state.paused && state.unreadBytes > highWaterBytes {
                state.paused = true
                return (nil, true)
            }
            return (nil, false)
        }
        waiter?.resume(returning: .element(element))
        return pause
    }

    /// Ends the sequence with `error()` unless it has ended already; the error is made only
    /// then (a stream's request side has almost always ended normally before it closes).
    /// Producer side: only the producer ends the queue, so the check cannot go stale.
    func finish(throwingIfOpen error: () -> any Error) {
        guard state.withLock({ $0.end == nil }) else { return }
        finish(throwing: error())
    }

    /// Ends the sequence after the queued parts (normally, or with `error`).
    func finish(throwing error: (any Error)? = nil) {
        let waiter = state.withLock { state -> UnsafeContinuation<Wake, any Error>? in
            guard state.end == nil else { return nil }
            state.end = .some(error)
            defer { state.waiter = nil }
            return state.waiter
        }
        if let error { waiter?.resume(throwing: error) } else { waiter?.resume(returning: .finished) }
    }

    private enum Next {
        case element(Element)
        case end((any Error)?)
        case wait
    }

    private func take() -> Next {
        let (next, drained) = state.withLock { state -> (Next, Bool) in
            if state.head < state.items.count {
                let (element, bytes) = state.items[state.head]
                state.head += 1
                if state.head == state.items.count {
                    state.items.removeAll(keepingCapacity: true)
                    state.head = 0
                } else if state.head >= 64 && state.head * 2 >= state.items.count {
                    state.items.removeFirst(state.head)
                    state.head = 0
                }
                state.unreadBytes -= bytes
                var drained = false
                if state.paused && state.unreadBytes <= lowWaterBytes {
                    state.paused = false
                    drained = true
                }
                return (.element(element), drained)
            }
            if let end = state.end { return (.end(end), false) }
            return (.wait, false)
        }
        if drained { onDrained() }
        return next
    }

    /// What wakes a suspended consumer.
    private enum Wake {
        case element(Element)
        case finished
        /// Something arrived while the consumer was about to suspend: look again.
        case retry
    }

    func next() async throws -> Element? {
        while true {
            switch take() {
            case .element(let element): return element
            case .end(let error?): throw error
            case .end(nil): return nil
            case .wait: break
            }
            let wake = try await withTaskCancellationHandler {
                try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Wake, any Error>) in
                    let stored = state.withLock { state -> Bool in
                        if state.head < state.items.count || state.end != nil || Task.isCancelled { return false }
                        state.waiter = continuation
                        return true
                    }
                    if !stored {
                        if Task.isCancelled {
                            continuation.resume(throwing: CancellationError())
                        } else {
                            continuation.resume(returning: .retry)
                        }
                    }
                }
            } onCancel: {
                let waiter = state.withLock { state -> UnsafeContinuation<Wake, any Error>? in
                    defer { state.waiter = nil }
                    return state.waiter
                }
                waiter?.resume(throwing: CancellationError())
            }
            switch wake {
            case .element(let element): return element
            case .finished: return nil
            case .retry: continue
            }
        }
    }
}
