@testable import KVRaft
import Raft
import Testing

/// `KeyOrder.sorted` against the plain byte-order sort, on keys that share long prefixes,
/// differ only past 16 bytes, are empty, or end in zero bytes (the prefix padding).
@Suite struct KeyOrderTests {
    @Test func sortsLikeLexicographicOrder() {
        let seed = UInt64.random(in: 1...UInt64.max)
        print("KeyOrderTests: seed \(seed)")
        var random = SplitMix64(seed: seed)
        var keys: [[UInt8]] = [[], [0], [0, 0], [1], Array(repeating: 7, count: 16), Array(repeating: 7, count: 17)]
        for _ in 0..<2_000 {
            // A few distinct bytes and shared 20-byte stems make ties at every position likely.
            let stem = Array(repeating: UInt8(random.next() % 3), count: Int(random.next() % 21))
            keys.append(stem + (0..<Int(random.next() % 4)).map { _ in UInt8(random.next() % 3) })
        }
        let pairs = keys.enumerated().map { (key: $0.element, value: [UInt8(truncatingIfNeeded: $0.offset)]) }
        let expected = pairs.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map(\.key)
        #expect(KeyOrder.sorted(pairs).map(\.key) == expected, "seed \(seed)")
    }
}
