#if canImport(Glibc)
import Glibc
#endif

/// Seeds of the lab tests: in virtual time the run's seed (``LabEnvironment/seed``, which the
/// suite took from its variable); otherwise the named environment variable (`KV_LAB_SEED`,
/// `SHARDCTRLER_TEST_SEED`, `SHARDKV_LAB_SEED`, …) replays one, or a fresh random seed, which
/// the cluster prints. In real time timing still varies between runs (the simulated network runs
/// on real time); in virtual time the seed fixes the whole run.
public enum LabSeed {
    public static func next(environmentVariable: String) -> UInt64 {
        if let seed = LabEnvironment.current.seed { return seed }
        if let raw = getenv(environmentVariable), let seed = UInt64(String(cString: raw)) { return seed }
        return UInt64.random(in: 1...UInt64.max)
    }

    /// The seed of a virtual run: the variable's value if set, else a fresh random one.
    public static func forVirtualRun(environmentVariable: String) -> UInt64 {
        if let raw = getenv(environmentVariable), let seed = UInt64(String(cString: raw)) { return seed }
        return UInt64.random(in: 1...UInt64.max)
    }
}
