/// The window of appendEntries messages sent to one follower and not yet acknowledged,
/// identified by the last entry index each carried (etcd's `tracker.Inflights`). Bounded by
/// `Config.maxInflightAppends`.
struct Inflights {
    let capacity: Int
    /// Last indices of in-flight messages, ascending.
    private(set) var indices: [UInt64] = []

    init(capacity: Int) {
        precondition(capacity > 0, "inflight capacity must be positive, got \(capacity)")
        self.capacity = capacity
    }

    var count: Int { indices.count }
    var isFull: Bool { indices.count >= capacity }

    /// Records a message whose last entry is `index`. Indices must increase, and the window
    /// must not be full (the caller checks `isFull` through `Progress.isPaused`).
    mutating func add(_ index: UInt64) {
        precondition(!isFull, "cannot add into a full inflights window (capacity \(capacity))")
        if let last = indices.last {
            precondition(index > last, "inflight index \(index) not above last \(last)")
        }
        indices.append(index)
    }

    /// Frees every message whose last index is `<= index` (they are acknowledged).
    mutating func freeLE(_ index: UInt64) {
        var n = 0
        while n < indices.count && indices[n] <= index { n += 1 }
        if n > 0 { indices.removeFirst(n) }
    }

    /// Frees the oldest message, so that a full window whose messages were all lost can
    /// make progress again (called on a heartbeat response).
    mutating func freeFirstOne() {
        if !indices.isEmpty { indices.removeFirst() }
    }

    mutating func reset() {
        indices.removeAll(keepingCapacity: true)
    }
}
