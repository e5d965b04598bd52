import Synchronization

/// Counts file and directory syncs across every store of a benchmark run (thread-safe).
final class SyncCounter: Sendable {
    private let count = Atomic<Int>(0)

    func increment() { count.add(1, ordering: .relaxed) }

    var value: Int { count.load(ordering: .relaxed) }
}
