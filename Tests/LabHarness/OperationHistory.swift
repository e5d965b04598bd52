public import Linearizability
import Synchronization

/// The porcupine operation log of a lab test: every clerk operation done through the test
/// helpers, with call and return times in nanoseconds since the history began, on the clock of
/// the ``LabEnvironment`` current when it was made (virtual in a virtual run).
public final class OperationHistory: Sendable {
    public typealias Operation = HistoryOperation<KVModel.Input, KVModel.Output>

    private let environment = LabEnvironment.current
    private let start: Duration
    private let operations = Mutex<[Operation]>([])

    public init() {
        start = environment.now()
    }

    /// Nanoseconds since the history began (monotonic).
    public func now() -> Int64 {
        let elapsed = environment.now() - start
        return elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
    }

    public func append(_ operation: Operation) {
        operations.withLock { $0.append(operation) }
    }

    public var all: [Operation] { operations.withLock { $0 } }

    /// The porcupine check at the end of a test with the KV model and a 1-s budget: illegal
    /// fails, a timeout is accepted (as in the labs).
    public func checkLinearizable() throws {
        let operations = all
        switch LinearizabilityChecker.check(KVModel(), operations, timeout: .seconds(1)) {
        case .ok:
            break
        case .unknown:
            print("info: linearizability check timed out on \(operations.count) operations, assuming history is ok")
        case .illegal(let failure):
            throw LabFailure("history is not linearizable: \(failure)")
        }
    }
}
