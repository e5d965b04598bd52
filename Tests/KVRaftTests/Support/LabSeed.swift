#if canImport(Glibc)
import Glibc
#endif

/// Seeds of the Lab 3 tests: `KV_LAB_SEED` replays one; otherwise a fresh random seed, printed
/// by the cluster (timing still varies between runs: the simulated network runs on real time).
enum LabSeed {
    static func next() -> UInt64 {
        if let raw = getenv("KV_LAB_SEED"), let seed = UInt64(String(cString: raw)) { return seed }
        return UInt64.random(in: 1...UInt64.max)
    }
}
