import Foundation
import Linearizability
import Synchronization

/// The shared operation log of the clients (and the final reads).
final class StressHistory: Sendable {
    typealias Operation = HistoryOperation<KVModel.Input, KVModel.Output>

    private let start = ContinuousClock.now
    private let operations = Mutex<[Operation]>([])
    let rejected = Atomic<Int>(0)

    /// Nanoseconds since the history began.
    func now() -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
    }

    func append(_ operation: Operation) { operations.withLock { $0.append(operation) } }

    var all: [Operation] { operations.withLock { $0 } }

    /// How many operations were recorded so far.
    var count: Int { operations.withLock { $0.count } }

    /// The operations recorded after the first `start` (an operation is recorded once it
    /// returned, so every one returning after a moment that `count` was read before is here).
    func operations(from start: Int) -> [Operation] { operations.withLock { Array($0[min(start, $0.count)...]) } }

    func counts() -> (total: Int, acknowledged: Int, unknown: Int) {
        operations.withLock { ops in
            let unknown = ops.count { $0.isPending }
            return (ops.count, ops.count - unknown, unknown)
        }
    }
}

/// Elapsed time for progress lines: `12.3s`.
func elapsed(since start: ContinuousClock.Instant) -> String {
    let duration = ContinuousClock.now - start
    let tenths = duration.components.seconds * 10 + duration.components.attoseconds / 100_000_000_000_000_000
    return "\(tenths / 10).\(tenths % 10)s"
}

/// Tells the clients to stop after their current operation.
final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}
