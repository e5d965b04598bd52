#if canImport(Glibc)
import Glibc
#endif
import Simulation

/// A lab test body (its environment is ``LabEnvironment/current``).
public typealias LabBody = @Sendable () async throws -> Void

/// The virtual-time runs of the Lab 3 / 4 suites: one body on one seed, the determinism check
/// and the seed sweep. The suites (`Lab3Virtual`, `Lab4AVirtual`, `Lab4BVirtual`) call these
/// with their seed variable and their bodies.
public enum LabSimulation {
    /// Runs `body` in virtual time with the seed from `seedVariable` (fresh if unset) and the
    /// faults from `LAB_SIM_FAULTS`.
    @discardableResult
    public static func run(seedVariable: String, _ body: @escaping LabBody) async throws -> LabTrace.Record {
        try await LabEnvironment.runVirtual(
            seed: LabSeed.forVirtualRun(environmentVariable: seedVariable), faults: .fromEnvironment, body)
    }

    /// `body` with its clusters on ``LabStorage/disk`` (the daemon's `DiskRaftStore` on each
    /// server's crash-simulating in-memory disk; with disk crashes on, also power cuts of
    /// running servers mid-write) unless `LAB_SIM_STORE` says otherwise: how the suites run
    /// their nemesis tests.
    public static func onDisk(_ body: @escaping LabBody) -> LabBody {
        { try await LabEnvironment.withStorage(.disk, powerCuts: true, body) }
    }

    /// Runs `body` twice with one seed (from `seedVariable`, fresh if unset) and returns both
    /// records: equal if the run is a function of its seed.
    public static func runTwice(
        seedVariable: String, faults: LabFaults = LabFaults(), _ body: @escaping LabBody
    ) async throws -> (LabTrace.Record, LabTrace.Record) {
        let seed = LabSeed.forVirtualRun(environmentVariable: seedVariable)
        let first = try await LabEnvironment.runVirtual(seed: seed, faults: faults, body)
        let second = try await LabEnvironment.runVirtual(seed: seed, faults: faults, body)
        return (first, second)
    }

    /// The sweep's settings: `LAB_SIM_SEEDS=<first>..<last>` (off when unset), `LAB_SIM_TESTS`
    /// (comma-separated body names; default every body of the suite), `LAB_SIM_ROTATE=1` (each
    /// seed runs one selected body, seed `s` the one at `s` modulo their count, instead of all)
    /// and `LAB_SIM_FAULTS`.
    public static var sweepSeeds: ClosedRange<UInt64>? {
        guard let raw = getenv("LAB_SIM_SEEDS") else { return nil }
        let text = String(cString: raw)
        let separator: Character = text.contains("..") ? "." : "-"
        let parts = text.split(separator: separator).compactMap { UInt64($0) }
        guard parts.count == 2, parts[0] <= parts[1] else { return nil }
        return parts[0]...parts[1]
    }

    /// Runs every selected body on every seed of ``sweepSeeds`` with the faults of
    /// `LAB_SIM_FAULTS`, one virtual run each; prints one line per run (pass or fail, the
    /// faults injected, and for a failure the command that replays it) and a summary line, and
    /// returns the failures' lines. `filterPrefix` is the suite's test path for the replay command, e.g.
    /// `Lab3Virtual`; `suiteOf` names a body's nested suite.
    public static func sweep(
        filterPrefix: String, seedVariable: String, bodies: [(name: String, suite: String, body: LabBody)]
    ) async -> [String] {
        guard let seeds = sweepSeeds else { return [] }
        let names = getenv("LAB_SIM_TESTS").map { String(cString: $0).split(separator: ",").map(String.init) } ?? []
        let selected = names.isEmpty ? nil : Set(names)
        let faults = LabFaults.fromEnvironment
        let rotate = getenv("LAB_SIM_ROTATE").map { String(cString: $0) == "1" } ?? false
        let store = getenv("LAB_SIM_STORE").map { String(cString: $0) } ?? ""
        let chosen = bodies.filter { selected?.contains($0.name) ?? true }
        var passed = 0
        var failures: [String] = []
        for seed in seeds {
            let runs = rotate && !chosen.isEmpty ? [chosen[Int(seed % UInt64(chosen.count))]] : chosen
            for (name, suite, body) in runs {
                let replay =
                    "\(seedVariable)=\(seed) LAB_SIM_FAULTS=\(faults.isEmpty ? "none" : faults.description) "
                    + (store.isEmpty ? "" : "LAB_SIM_STORE=\(store) ")
                    + "swift test --skip-build --disable-xctest --filter '\(filterPrefix)/\(suite)/\(name)'"
                print("sim-sweep: \(filterPrefix) \(name) seed \(seed): start; replay: \(replay)")
                fflush(nil)
                do {
                    let record = try await LabEnvironment.runVirtual(seed: seed, faults: faults, body)
                    passed += 1
                    let details = "\(record.faults), virtual \(record.statistics.elapsed)"
                    print("sim-sweep: \(filterPrefix) \(name) seed \(seed): PASS (\(details))")
                } catch {
                    let line = "sim-sweep: \(filterPrefix) \(name) seed \(seed): FAIL: \(error)\n  replay: \(replay)"
                    print(line)
                    failures.append(line)
                }
                fflush(nil)
            }
        }
        print("sim-sweep: \(filterPrefix) \(passed) of \(passed + failures.count) runs passed")
        return failures
    }
}
