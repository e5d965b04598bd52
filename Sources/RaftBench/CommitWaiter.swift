import RaftRuntime

/// Follows one peer's apply stream and lets proposers wait until their index is applied.
actor CommitWaiter {
    private var highest: UInt64 = 0
    private var waiting: [UInt64: CheckedContinuation<Void, Never>] = [:]

    /// Starts consuming `stream` (until it finishes).
    nonisolated func follow(_ stream: ApplyStream) -> Task<Void, Never> {
        Task {
            while let batch = await stream.nextBatch(), let last = batch.last {
                await self.applied(last.index)
            }
            await self.finish()
        }
    }

    /// Returns once `index` was applied (or the stream finished).
    func wait(for index: UInt64) async {
        guard index > highest else { return }
        await withCheckedContinuation { continuation in
            waiting[index] = continuation
        }
    }

    private func applied(_ index: UInt64) {
        for i in (highest + 1)...max(index, highest + 1) where i <= index {
            waiting.removeValue(forKey: i)?.resume()
        }
        highest = max(highest, index)
    }

    private func finish() {
        highest = .max
        for continuation in waiting.values { continuation.resume() }
        waiting = [:]
    }
}
