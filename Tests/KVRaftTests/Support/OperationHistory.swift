import Linearizability
import Synchronization

/// The porcupine operation log of a lab test: every clerk operation done through the test
/// helpers, with call and return times in nanoseconds since the history began.
final class OperationHistory: Sendable {
    typealias Operation = HistoryOperation<KVModel.Input, KVModel.Output>

    private let start = ContinuousClock.now
    private let operations = Mutex<[Operation]>([])

    /// Nanoseconds since the history began (monotonic).
    func now() -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
    }

    func append(_ operation: Operation) {
        operations.withLock { $0.append(operation) }
    }

    var all: [Operation] { operations.withLock { $0 } }
}
