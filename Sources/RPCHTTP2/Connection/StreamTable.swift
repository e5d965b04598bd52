/// A map from a connection's stream ids (or call tokens) to per-stream state, for the
/// per-call path: cheaper than `Dictionary`, whose SipHash of each key and copy-on-write checks
/// were ≈ 4 % of a Swift client's CPU per call at 64 concurrent calls (about 30 look-ups per
/// call across the session, the connection and the handler; `perf record`).
///
/// Open addressing with linear probing in a power-of-two table kept at most half full,
/// backward-shift deletion (no tombstones), and a multiplicative (Fibonacci) hash of the key
/// mixed with a per-table random seed: the sequential ids a connection hands out spread over the
/// table, and a peer that picks its stream ids cannot know which ones collide. Whatever the
/// keys, a look-up probes at most one slot more than there are entries (bounded by the
/// connection's concurrent-stream limit).
///
/// The table grows and never shrinks (a connection's streams come and go by the thousand; its
/// size follows the most it had at once). Keys must not be zero (the empty-slot marker): HTTP/2
/// stream 0 is the connection itself, and call tokens start at 1. Not `Sendable`: owned by one
/// connection on its loop.
public struct StreamTable<Key: FixedWidthInteger, Value> {
    @usableFromInline var keys: [Key]
    @usableFromInline var values: [Value?]
    @usableFromInline var mask: Int
    @usableFromInline var shift: UInt64
    @usableFromInline let seed: UInt64
    /// The number of entries.
    @usableFromInline var occupied = 0
    /// Debug builds: set while ``update(_:_:)``'s closure runs, so that the closure touching the
    /// table again traps (the owners mark their tables `@exclusivity(unchecked)`, which turns
    /// off the runtime's own check of that).
    @usableFromInline var updating = false

    /// Slots in a new table (grown by doubling once more than half are used).
    @usableFromInline static var initialCapacity: Int { 16 }

    public init() {
        self.init(seed: UInt64.random(in: .min ... .max))
    }

    /// A table whose hash uses `seed` (tests choose it, to place keys).
    init(seed: UInt64) {
        keys = Array(repeating: 0, count: Self.initialCapacity)
        values = Array(repeating: nil, count: Self.initialCapacity)
        mask = Self.initialCapacity - 1
        shift = UInt64(64 - Self.initialCapacity.trailingZeroBitCount)
        self.seed = seed
    }

    /// The number of entries.
    public var count: Int { occupied }

    public var isEmpty: Bool { occupied == 0 }

    /// The keys, in no particular order.
    public var allKeys: [Key] { keys.filter { $0 != 0 } }

    @inlinable
    func home(_ key: Key) -> Int {
        let mixed = (UInt64(truncatingIfNeeded: key) ^ seed) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: mixed >> shift)
    }

    /// The slot holding `key`, or `nil`.
    @inlinable
    func slot(of key: Key) -> Int? {
        precondition(key != 0, "key 0 is reserved")
        assert(!updating, "a StreamTable was used again inside its update(_:_:)")
        var index = home(key)
        while true {
            let found = keys[index]
            if found == key { return index }
            if found == 0 { return nil }
            index = (index &+ 1) & mask
        }
    }

    @inlinable
    public subscript(key: Key) -> Value? {
        get {
            guard let index = slot(of: key) else { return nil }
            return values[index]
        }
        set {
            if let newValue {
                insert(key, newValue)
            } else {
                _ = removeValue(forKey: key)
            }
        }
    }

    /// Updates the value of `key` in place (no copy of a struct value); returns `nil` without
    /// calling `body` if there is none.
    @inlinable
    @discardableResult
    public mutating func update<Result>(_ key: Key, _ body: (inout Value) throws -> Result) rethrows -> Result? {
        guard let index = slot(of: key) else { return nil }
        #if DEBUG
        updating = true
        defer { updating = false }
        #endif
        return try body(&values[index]!)
    }

    @inlinable
    mutating func insert(_ key: Key, _ value: Value) {
        precondition(key != 0, "key 0 is reserved")
        assert(!updating, "a StreamTable was used again inside its update(_:_:)")
        var index = home(key)
        while true {
            let found = keys[index]
            if found == key {
                values[index] = value
                return
            }
            if found == 0 { break }
            index = (index &+ 1) & mask
        }
        keys[index] = key
        values[index] = value
        occupied += 1
        if occupied * 2 > keys.count { grow() }
    }

    @inlinable
    @discardableResult
    public mutating func removeValue(forKey key: Key) -> Value? {
        guard var hole = slot(of: key) else { return nil }
        let removed = values[hole].take()
        keys[hole] = 0
        occupied -= 1
        // Backward shift: move each following entry of the run into the hole if its home slot
        // does not lie (cyclically) between the hole and where it sits.
        var index = (hole &+ 1) & mask
        while keys[index] != 0 {
            let home = home(keys[index])
            let distanceToHome = (index &- home) & mask
            let distanceToHole = (index &- hole) & mask
            if distanceToHome >= distanceToHole {
                keys[hole] = keys[index]
                values[hole] = values[index].take()
                keys[index] = 0
                hole = index
            }
            index = (index &+ 1) & mask
        }
        return removed
    }

    /// Removes every entry (the table keeps its size).
    public mutating func removeAll() {
        guard occupied > 0 else { return }
        for index in keys.indices where keys[index] != 0 {
            keys[index] = 0
            values[index] = nil
        }
        occupied = 0
    }

    @usableFromInline
    mutating func grow() {
        let oldKeys = keys
        var oldValues = values
        let capacity = keys.count * 2
        keys = Array(repeating: 0, count: capacity)
        values = Array(repeating: nil, count: capacity)
        mask = capacity - 1
        shift = UInt64(64 - capacity.trailingZeroBitCount)
        occupied = 0
        for index in oldKeys.indices where oldKeys[index] != 0 {
            insert(oldKeys[index], oldValues[index].take()!)
        }
    }
}
