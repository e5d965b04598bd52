import Dispatch

/// A serial queue on which a worker runs its blocking task bodies (application code may
/// sleep or do file I/O), so they never occupy a thread of the Swift concurrency pool.
struct TaskThread: Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    /// Runs `body` on the queue and resumes with its result.
    func run(_ body: @escaping @Sendable () throws(MapReduceError) -> Void) async throws(MapReduceError) {
        let result: Result<Void, MapReduceError> = await withCheckedContinuation { continuation in
            queue.async {
                do throws(MapReduceError) {
                    try body()
                    continuation.resume(returning: .success(()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        try result.get()
    }
}
