/// A source of pseudo-random numbers, injected through `Config` so that election timeouts are
/// reproducible from a seed. Raft never uses a global generator.
public protocol RandomSource: Sendable {
    /// Returns the next 64 uniformly distributed bits.
    mutating func next() -> UInt64
}

extension RandomSource {
    /// Returns a value uniformly distributed in `0..<bound` (Lemire's multiply-shift with
    /// rejection, so there is no modulo bias). `bound` must be positive.
    public mutating func next(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "bound must be positive, got \(bound)")
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold {
                product = next().multipliedFullWidth(by: bound)
            }
        }
        return product.high
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, fast, seedable generator, good enough for
/// election jitter and test schedules (also a `RandomNumberGenerator`, for `random(in:using:)`
/// and `shuffled(using:)` in seeded tests). Not cryptographic.
public struct SplitMix64: RandomSource, RandomNumberGenerator {
    public private(set) var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
