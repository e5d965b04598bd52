import Simulation
import Testing

/// The generator is deterministic per seed and its helpers stay in range.
@Suite struct SeededRandomTests {
    @Test func sameSeedSameSequence() {
        let seed = UInt64.random(in: .min ... .max)
        print("SimulationTests.sameSeedSameSequence seed=\(seed)")
        var a = SeededRandom(seed: seed)
        var b = SeededRandom(seed: seed)
        var c = SeededRandom(seed: seed &+ 1)
        let first = (0..<100).map { _ in a.next() }
        #expect(first == (0..<100).map { _ in b.next() })
        #expect(first != (0..<100).map { _ in c.next() })
        #expect(a.seed == seed)
    }

    /// Known answer for seed 0, so that the generator (and every recorded seed) stays stable
    /// across refactors.
    @Test func knownAnswerForSeedZero() {
        var random = SeededRandom(seed: 0)
        let values = (0..<3).map { _ in random.next() }
        #expect(values == Self.seedZeroAnswer, "\(values)")
    }

    // Computed independently (Python reference of SplitMix64 + xoshiro256**).
    static let seedZeroAnswer: [UInt64] = [11091344671253066420, 13793997310169335082, 1900383378846508768]

    @Test func helpersStayInRange() {
        var random = SeededRandom(seed: 42)
        for _ in 0..<10_000 {
            #expect((3..<9).contains(random.int(in: 3..<9)))
            #expect((-2...2).contains(random.int(in: -2...2)))
            let d = random.double()
            #expect(d >= 0 && d < 1)
        }
        #expect(random.int(in: 5...5) == 5)
    }
}
