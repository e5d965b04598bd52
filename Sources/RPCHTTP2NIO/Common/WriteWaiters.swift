import NIOCore

/// Writers suspended because a stream's send buffer is over its high-water mark, resumed once
/// HTTP/2 flow control has drained it. Owned by one connection handler on its event loop.
struct WriteWaiters {
    private var waiting: [Int32: [EventLoopPromise<Void>]] = [:]

    mutating func add(_ promise: EventLoopPromise<Void>, for streamID: Int32) {
        waiting[streamID, default: []].append(promise)
    }

    /// Resumes the writers of streams whose buffered bytes dropped to `lowWaterBytes` or below.
    mutating func resume(where bufferedBytes: (Int32) -> Int, lowWaterBytes: Int) {
        guard !waiting.isEmpty else { return }
        for (streamID, promises) in waiting where bufferedBytes(streamID) <= lowWaterBytes {
            waiting[streamID] = nil
            promises.forEach { $0.succeed() }
        }
    }

    /// Fails the writers of a stream that ended with `error()` (made only if there are any: a
    /// stream ends with none almost always).
    mutating func fail(_ streamID: Int32, with error: () -> any Error) {
        guard let promises = waiting.removeValue(forKey: streamID) else { return }
        let error = error()
        promises.forEach { $0.fail(error) }
    }

    mutating func failAll(with error: any Error) {
        let all = waiting
        waiting.removeAll()
        for promises in all.values { promises.forEach { $0.fail(error) } }
    }
}
