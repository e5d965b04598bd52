#if canImport(Glibc)
import Glibc
#endif

/// Seeds of the lab tests: `RAFT_LAB_SEED` replays one; otherwise a fresh random seed, printed
/// by the cluster so a failure can be replayed. In virtual time (`Lab2Virtual`) a seed fixes
/// the whole run; in real time (`Lab2`) it fixes the random choices, but timing still varies.
enum LabSeed {
    static func next() -> UInt64 {
        if let raw = getenv("RAFT_LAB_SEED"), let seed = UInt64(String(cString: raw)) { return seed }
        return UInt64.random(in: 1...UInt64.max)
    }
}
