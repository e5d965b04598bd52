#if canImport(Glibc)
import Glibc
#endif

/// Seeds of the lab tests: the named environment variable (`KV_LAB_SEED`,
/// `SHARDCTRLER_TEST_SEED`, `SHARDKV_LAB_SEED`, …) replays one; otherwise a fresh random seed,
/// which the cluster prints (timing still varies between runs: the simulated network runs on
/// real time).
public enum LabSeed {
    public static func next(environmentVariable: String) -> UInt64 {
        if let raw = getenv(environmentVariable), let seed = UInt64(String(cString: raw)) { return seed }
        return UInt64.random(in: 1...UInt64.max)
    }
}
