/// Pending ReadIndex requests on a leader (etcd's `readOnly` with `ReadOnlySafe`).
///
/// Each request records the commit index when it arrived and waits until a quorum
/// acknowledges a heartbeat carrying its context (or that of a later request: heartbeats
/// confirm leadership for every earlier request too). Requests complete in arrival order.
struct ReadOnlyQueue {
    struct Request {
        /// The read index: the leader's commit index when the request arrived.
        var index: UInt64
        /// Who asked (this node's id for local requests).
        var from: UInt64
        var context: [UInt8]
        var acks: Set<UInt64>
        /// The leader's tick when the request arrived: no heartbeat carrying its context left
        /// earlier.
        var arrivedAtTick: UInt64
    }

    private var pending: [[UInt8]: Request] = [:]
    private var queue: [[UInt8]] = []

    var isEmpty: Bool { queue.isEmpty }
    var count: Int { queue.count }

    /// Registers a request unless one with the same context is pending.
    mutating func add(index: UInt64, from: UInt64, context: [UInt8], atTick tick: UInt64) {
        if pending[context] != nil { return }
        pending[context] = Request(index: index, from: from, context: context, acks: [], arrivedAtTick: tick)
        queue.append(context)
    }

    /// Records that `node` acknowledged a heartbeat with `context`; returns the acks so far
    /// (nil if the context is unknown, e.g. already completed).
    mutating func recordAck(from node: UInt64, context: [UInt8]) -> Set<UInt64>? {
        guard pending[context] != nil else { return nil }
        pending[context]!.acks.insert(node)
        return pending[context]!.acks
    }

    /// Completes the request with `context` and every request queued before it.
    mutating func advance(through context: [UInt8]) -> [Request] {
        guard let position = queue.firstIndex(of: context) else { return [] }
        let done = queue[...position].map { pending.removeValue(forKey: $0)! }
        queue.removeFirst(position + 1)
        return done
    }

    /// The context of the newest pending request, sent with heartbeats.
    var lastPendingContext: [UInt8]? { queue.last }
}
