import HeapModule

/// The deadlines of one connection's calls, for one timer to enforce them all (sans-I/O: the
/// handler arms the timer where this says and reports when it fired). A client handler keys the
/// calls by their tokens, a server handler by their stream ids (never reused on a connection).
///
/// A timer per call — NIO's `scheduleTask` when the call starts and `cancel()` when it ends
/// first, as almost every call does — cost ≈ 6 % of a client's CPU (`perf`, `skv kv bench
/// --workload get --clients 16`: the scheduled task's allocation, the loop's timer heap, the
/// cancellation). Here a call's deadline is one entry in a min-heap; an entry stays when its call
/// ends (the handler ignores the expiry of a call it no longer has), and one timer is armed for
/// the earliest entry.
///
/// Limits: the timer fires at most once per ``resolution`` (a deadline is enforced at most that
/// late), so the ended calls' entries at the top cost no more wake-ups than that; the heap is
/// rebuilt from the live calls when it holds more than ``compactionFactor`` × their number and at
/// least ``compactionThreshold`` entries, so it stays proportional to the calls in flight.
struct CallDeadlines {
    /// How late a deadline may be enforced, and so how often at most the timer fires.
    static let resolution: Duration = .milliseconds(2)
    /// Entries (of live and ended calls) above which the heap may be compacted.
    static let compactionThreshold = 1024
    /// Compaction happens once the entries outnumber the live calls by this factor.
    static let compactionFactor = 4

    private struct Entry: Comparable {
        var deadline: ContinuousClock.Instant
        var token: UInt64

        static func < (lhs: Entry, rhs: Entry) -> Bool {
            lhs.deadline < rhs.deadline || (lhs.deadline == rhs.deadline && lhs.token < rhs.token)
        }
    }

    private var heap = Heap<Entry>()
    /// When the armed timer fires; `nil` if none is armed.
    private(set) var armedAt: ContinuousClock.Instant?

    /// Entries held, the ended calls' included.
    var count: Int { heap.count }

    /// Adds call `token`'s deadline. Returns when the timer must fire if that changes (arm it
    /// there, cancelling any armed one); `nil` if the armed timer already fires early enough.
    mutating func add(_ token: UInt64, deadline: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        heap.insert(Entry(deadline: deadline, token: token))
        if let armedAt, armedAt <= deadline { return nil }
        armedAt = deadline
        return deadline
    }

    /// The armed timer fired at `now`: appends the tokens whose deadline passed to `expired`
    /// (earliest first; some may have ended already) and returns when to arm the timer next
    /// (`nil`: no entries left).
    mutating func fired(now: ContinuousClock.Instant, expired: inout [UInt64]) -> ContinuousClock.Instant? {
        armedAt = nil
        while let earliest = heap.min, earliest.deadline <= now {
            expired.append(heap.removeMin().token)
        }
        guard let earliest = heap.min else { return nil }
        let next = max(earliest.deadline, now + Self.resolution)
        armedAt = next
        return next
    }

    /// Drops the entries of ended calls once there are many more of them than `liveCalls`
    /// (`isLive` tells a live call's token). The armed timer stays as it is (it may then fire
    /// for nothing, once).
    mutating func compactIfLarge(liveCalls: Int, isLive: (UInt64) -> Bool) {
        guard heap.count > max(Self.compactionThreshold, Self.compactionFactor * liveCalls) else { return }
        heap = Heap(heap.unordered.filter { isLive($0.token) })
    }

    /// Forgets every entry (the connection closed); the armed timer is the caller's to cancel.
    mutating func removeAll() {
        heap = Heap()
        armedAt = nil
    }
}
