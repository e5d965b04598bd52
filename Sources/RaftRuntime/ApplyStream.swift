import Synchronization

/// Committed commands and snapshots from a Raft peer to its one consumer, in log order, handed
/// over a batch at a time: the peer adds everything one `Ready` committed with one call, and the
/// consumer takes everything waiting with one ``nextBatch()``.
///
/// It replaces an `AsyncStream<ApplyMessage>`, whose `yield` and `next` are the standard
/// library's unspecialized generic code: a generic-metadata lookup, a lock and (when the
/// consumer waits) a resumption *per entry*, the largest source of such lookups left in a
/// follower's profile (issue 15). Here the type is concrete, so the compiler specializes all
/// of it, and a batch costs one lock and at most one resumption.
///
/// It is also an `AsyncSequence` of single messages (its iterator takes a batch and hands it
/// out one by one), for consumers that look at one message at a time (tests, benchmarks).
///
/// Exactly one consumer: a second task waiting in ``nextBatch()`` while one already does is a
/// programmer error (trap). A waiting consumer whose task is cancelled gets `nil`, as from a
/// finished stream; the messages stay for a later call.
public final class ApplyStream: AsyncSequence, Sendable {
    public typealias Element = ApplyMessage

    /// The producing end: the peer's (or a test's) way to add messages and to finish.
    public struct Sink: Sendable {
        fileprivate let stream: ApplyStream

        /// Adds `messages` (in log order) after those already waiting; ignored once finished.
        public func yield(contentsOf messages: [ApplyMessage]) {
            guard !messages.isEmpty else { return }
            stream.deliver(messages)
        }

        /// Adds one message (see ``yield(contentsOf:)``).
        public func yield(_ message: ApplyMessage) { yield(contentsOf: [message]) }

        /// No more messages: the consumer gets what is waiting, then `nil`.
        public func finish() { stream.end() }
    }

    private struct State {
        var waiting: [ApplyMessage] = []
        var consumer: Consumer?
        /// Counts the consumer's waits, so that a cancellation arriving after its wait was
        /// already resumed (and a new one began) leaves the new one alone.
        var wait: UInt64 = 0
        var finished = false
    }

    private typealias Consumer = UnsafeContinuation<[ApplyMessage]?, Never>

    /// What a look at the state found: a batch to return (`nil`: the end), or a wait to begin.
    private enum Poll {
        case ready([ApplyMessage]?)
        case wait(UInt64)
    }

    private let state = Mutex(State())

    private init() {}

    /// A new stream and the sink that feeds it.
    public static func makeStream() -> (stream: ApplyStream, sink: Sink) {
        let stream = ApplyStream()
        return (stream, Sink(stream: stream))
    }

    /// Everything waiting, in log order (never empty); waits while nothing is. `nil` once the
    /// stream is finished and drained, or when the calling task is cancelled while it waits.
    public func nextBatch() async -> [ApplyMessage]? {
        let wait: UInt64
        switch state.withLock({ state -> Poll in
            if !state.waiting.isEmpty { return .ready(take(&state.waiting)) }
            if state.finished { return .ready(nil) }
            state.wait += 1
            return .wait(state.wait)
        }) {
        case .ready(let batch): return batch
        case .wait(let number): wait = number
        }
        return await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: Consumer) in
                let now = state.withLock { state -> Poll in
                    precondition(state.consumer == nil, "ApplyStream has exactly one consumer")
                    if !state.waiting.isEmpty { return .ready(take(&state.waiting)) }
                    // Finished, or cancelled before this wait was registered (see `onCancel`).
                    if state.finished || state.wait != wait { return .ready(nil) }
                    state.consumer = continuation
                    return .wait(wait)
                }
                if case .ready(let batch) = now { continuation.resume(returning: batch) }
            }
        } onCancel: {
            let consumer = state.withLock { state -> Consumer? in
                guard state.wait == wait else { return nil }
                // A wait not registered yet sees the changed count and returns nil itself.
                state.wait += 1
                defer { state.consumer = nil }
                return state.consumer
            }
            consumer?.resume(returning: nil)
        }
    }

    private func deliver(_ messages: [ApplyMessage]) {
        let resumption = state.withLock { state -> (Consumer, [ApplyMessage])? in
            guard !state.finished else { return nil }
            state.waiting.append(contentsOf: messages)
            guard let consumer = state.consumer else { return nil }
            state.consumer = nil
            return (consumer, take(&state.waiting))
        }
        if let (consumer, batch) = resumption { consumer.resume(returning: batch) }
    }

    private func end() {
        let consumer = state.withLock { state -> Consumer? in
            state.finished = true
            // A waiting consumer means nothing is waiting for it.
            defer { state.consumer = nil }
            return state.consumer
        }
        consumer?.resume(returning: nil)
    }

    public func makeAsyncIterator() -> Iterator { Iterator(stream: self) }

    /// Hands out the stream's batches one message at a time.
    public struct Iterator: AsyncIteratorProtocol {
        let stream: ApplyStream
        private var batch: [ApplyMessage] = []
        private var position = 0

        init(stream: ApplyStream) { self.stream = stream }

        public mutating func next() async -> ApplyMessage? {
            if position == batch.count {
                guard let next = await stream.nextBatch() else { return nil }
                batch = next
                position = 0
            }
            defer { position += 1 }
            return batch[position]
        }
    }
}

/// Empties `messages` and returns what it held (no copy).
private func take(_ messages: inout [ApplyMessage]) -> [ApplyMessage] {
    var taken: [ApplyMessage] = []
    swap(&taken, &messages)
    return taken
}
