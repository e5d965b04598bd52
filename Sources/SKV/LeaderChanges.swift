import Synchronization

/// Counts leader changes seen by polling replicas' status during a bench: per replica group,
/// a leader reported with a higher term than the last one seen, by another replica or in a
/// new term, is one change.
final class LeaderChanges: Sendable {
    private let last = Mutex<[UInt64: (term: UInt64, id: UInt64)]>([:])
    private let count = Atomic<Int>(0)
    /// A short description of each group's current leader, by group.
    private let leaders = Mutex<[UInt64: String]>([:])

    var changes: Int { count.load(ordering: .relaxed) }

    /// Records that replica `id` (described as `name`) of `group` says it leads in `term`.
    func observe(group: UInt64, term: UInt64, id: UInt64, name: String) {
        last.withLock { last in
            if let previous = last[group], previous.id != id || previous.term != term, term > previous.term {
                count.add(1, ordering: .relaxed)
            }
            if last[group].map({ term > $0.term }) ?? true { last[group] = (term, id) }
        }
        leaders.withLock { $0[group] = name }
    }

    /// The current leader of `group` as last observed (`?` if none yet).
    func leader(of group: UInt64) -> String { leaders.withLock { $0[group] } ?? "?" }
}
