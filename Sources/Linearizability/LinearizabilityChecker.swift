/// Checks histories for linearizability: the Wing–Gong search with Lowe's memoization, as in
/// Porcupine.
///
/// For each partition of the history (see ``Model/partition(_:)``), call and return events are
/// sorted by time (a call before a return at equal times) into a linked list. The search
/// repeatedly tries to linearize the earliest pending call whose model step is legal (removing
/// it and its return from the list); when it meets a return event whose call is not yet
/// linearized, it backtracks. A cache of (set of linearized operations, model state) pairs
/// already explored keeps the search from repeating work. A history is linearizable iff every
/// partition is.
///
/// Cost: exponential in the worst case (the problem is NP-complete); in practice histories of
/// thousands of operations with modest concurrency check in milliseconds. Pass a `timeout` to
/// bound it: the verdict is then ``CheckResult/unknown``.
public enum LinearizabilityChecker {
    /// How many search steps pass between two looks at the clock.
    static let stepsPerClockCheck = 4_096

    public static func check<M: Model>(
        _ model: M, _ history: [HistoryOperation<M.Input, M.Output>], timeout: Duration? = nil
    ) -> CheckResult {
        let clock = ContinuousClock()
        let deadline = timeout.map { clock.now.advanced(by: $0) }
        let partitions = model.partition(history)
        precondition(partitions.reduce(0) { $0 + $1.count } == history.count, "partitions must cover the history exactly")
        var timedOut = false
        for (number, indices) in partitions.enumerated() {
            let operations = indices.map { history[$0] }
            switch search(model, operations, deadline: deadline, clock: clock) {
            case .linearizable:
                continue
            case .timedOut:
                timedOut = true
            case .notLinearizable(let longest):
                let ordered = indices.sorted { history[$0].call < history[$1].call }
                return .illegal(LinearizabilityFailure(
                    partition: number, operations: indices, longestLinearizedPrefix: longest,
                    renderedOperations: ordered.map { i in
                        let op = history[i]
                        let end = op.return.map(String.init) ?? "pending"
                        return "client \(op.clientID) [\(op.call), \(end)] \(model.describe(op.input, op.output))"
                    }))
            }
        }
        return timedOut ? .unknown : .ok
    }

    enum SearchResult {
        case linearizable
        case notLinearizable(longest: Int)
        case timedOut
    }

    /// One event of the linked list: a call or a return of operation `operation`.
    struct Event {
        var isCall: Bool
        var operation: Int
        var time: Int64
        /// For a call: the index of its return event.
        var match: Int
        var previous: Int
        var next: Int
    }

    struct CacheKey<State: Hashable>: Hashable {
        var linearized: Bitset
        var state: State
    }

    static func search<M: Model>(
        _ model: M, _ operations: [HistoryOperation<M.Input, M.Output>],
        deadline: ContinuousClock.Instant?, clock: ContinuousClock
    ) -> SearchResult {
        guard !operations.isEmpty else { return .linearizable }
        // Events sorted by time; at equal times calls come first (they may be concurrent with
        // an operation returning at that instant), then by operation for determinism.
        var order: [(time: Int64, isCall: Bool, operation: Int)] = []
        order.reserveCapacity(operations.count * 2)
        for (i, op) in operations.enumerated() {
            order.append((op.call, true, i))
            order.append((op.return ?? .max, false, i))
        }
        order.sort { a, b in
            if a.time != b.time { return a.time < b.time }
            if a.isCall != b.isCall { return a.isCall }
            return a.operation < b.operation
        }
        // Index 0 is the list head; events follow at 1...
        var events = [Event(isCall: false, operation: -1, time: .min, match: -1, previous: -1, next: 1)]
        var returnEvent = [Int](repeating: -1, count: operations.count)
        for (position, item) in order.enumerated() {
            let index = position + 1
            events.append(Event(
                isCall: item.isCall, operation: item.operation, time: item.time, match: -1,
                previous: index - 1, next: index + 1 < order.count + 1 ? index + 1 : -1))
            if !item.isCall { returnEvent[item.operation] = index }
        }
        for i in 1..<events.count where events[i].isCall {
            events[i].match = returnEvent[events[i].operation]
        }

        func lift(_ call: Int) {
            for e in [call, events[call].match] {
                let (previous, next) = (events[e].previous, events[e].next)
                events[previous].next = next
                if next != -1 { events[next].previous = previous }
            }
        }
        func unlift(_ call: Int) {
            for e in [events[call].match, call] {
                let (previous, next) = (events[e].previous, events[e].next)
                events[previous].next = e
                if next != -1 { events[next].previous = e }
            }
        }

        var cache = Set<CacheKey<M.State>>()
        var stack: [(call: Int, state: M.State)] = []
        var state = model.initialState
        var linearized = Bitset(count: operations.count)
        var longest = 0
        var entry = events[0].next
        var steps = 0
        while events[0].next != -1 {
            steps += 1
            if steps % stepsPerClockCheck == 0, let deadline, clock.now >= deadline {
                return .timedOut
            }
            let event = events[entry]
            if event.isCall {
                let op = operations[event.operation]
                if let next = model.step(state, op.input, op.output) {
                    var candidate = linearized
                    candidate.insert(event.operation)
                    if cache.insert(CacheKey(linearized: candidate, state: next)).inserted {
                        stack.append((entry, state))
                        state = next
                        linearized = candidate
                        lift(entry)
                        longest = max(longest, stack.count)
                        entry = events[0].next
                        continue
                    }
                }
                entry = event.next
            } else {
                // A return whose call is not linearized yet: undo the latest choice.
                guard let (call, previousState) = stack.popLast() else {
                    return .notLinearizable(longest: longest)
                }
                state = previousState
                linearized.remove(events[call].operation)
                unlift(call)
                entry = events[call].next
            }
        }
        return .linearizable
    }
}

/// A fixed-size set of small integers.
struct Bitset: Hashable, Sendable {
    private var words: [UInt64]

    init(count: Int) {
        words = [UInt64](repeating: 0, count: (count + 63) / 64)
    }

    mutating func insert(_ i: Int) { words[i >> 6] |= 1 << UInt64(i & 63) }
    mutating func remove(_ i: Int) { words[i >> 6] &= ~(1 << UInt64(i & 63)) }
    func contains(_ i: Int) -> Bool { words[i >> 6] & (1 << UInt64(i & 63)) != 0 }
}
