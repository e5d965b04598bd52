import Testing

@testable import Raft

/// The injected generator is deterministic and unbiased enough for election jitter.
@Suite struct RandomSourceTests {
    @Test func sameSeedSameSequence() {
        var a = SplitMix64(seed: 99)
        var b = SplitMix64(seed: 99)
        var c = SplitMix64(seed: 100)
        let sa = (0..<10).map { _ in a.next() }
        #expect(sa == (0..<10).map { _ in b.next() })
        #expect(sa != (0..<10).map { _ in c.next() })
    }

    @Test func boundedValuesCoverTheRange() {
        var rng = SplitMix64(seed: 1)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<7000 { counts[Int(rng.next(below: 7))] += 1 }
        #expect(counts.allSatisfy { $0 > 800 && $0 < 1200 }, "\(counts)")
    }
}
