#if canImport(Glibc)
import Glibc
#endif

/// Seeds of the shard controller tests: `SHARDCTRLER_TEST_SEED` replays one; otherwise a fresh
/// random seed, which every test prints (timing still varies between runs: the simulated
/// network runs on real time).
enum LabSeed {
    static func next() -> UInt64 {
        if let raw = getenv("SHARDCTRLER_TEST_SEED"), let seed = UInt64(String(cString: raw)) { return seed }
        return UInt64.random(in: 1...UInt64.max)
    }
}
