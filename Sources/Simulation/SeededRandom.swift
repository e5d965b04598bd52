/// A seeded pseudo-random generator (xoshiro256**, state expanded from the seed with
/// SplitMix64): the only source of randomness in the simulation, so that every random choice
/// of a run is determined by its seed.
///
/// A value type with no locking: the owner serialises access (``SimulatedNetwork`` keeps its
/// generator under its mutex). Copying a generator forks an identical stream. Not for
/// cryptographic use.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    /// The seed the generator was created with (printed by tests so a failure can be replayed).
    public let seed: UInt64
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        self.seed = seed
        // SplitMix64 spreads any seed (including 0) over the 256-bit state; xoshiro's state
        // must not be all zero, which SplitMix64 output never is for four consecutive draws.
        var mixer = seed
        func splitMix() -> UInt64 {
            mixer &+= 0x9E37_79B9_7F4A_7C15
            var z = mixer
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, by: 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = rotateLeft(state.3, by: 45)
        return result
    }

    /// A uniformly distributed integer in `range` (unbiased; `range` must not be empty).
    public mutating func int(in range: Range<Int>) -> Int {
        precondition(!range.isEmpty, "SeededRandom.int(in:) needs a non-empty range")
        return Int.random(in: range, using: &self)
    }

    /// A uniformly distributed integer in `range` (unbiased).
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        Int.random(in: range, using: &self)
    }

    /// A uniformly distributed value in `0 ..< 1` with 53 bits of precision.
    public mutating func double() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    private func rotateLeft(_ value: UInt64, by amount: UInt64) -> UInt64 {
        (value << amount) | (value >> (64 - amount))
    }
}
