import LabHarness
import Testing

/// The Lab 4A tests in virtual time: the same bodies as ``Lab4A`` on a `SimulationScheduler`
/// (see `Lab3Virtual`). `SHARDCTRLER_TEST_SEED=<seed>` replays a run.
@Suite(.serialized) enum Lab4AVirtual {
    static func run(_ body: @escaping LabBody) async throws {
        try await LabSimulation.run(seedVariable: "SHARDCTRLER_TEST_SEED", body)
    }
}

extension Lab4AVirtual {
    /// Same seed, same run (with disk crashes on; see `Lab3Virtual.Determinism`).
    @Suite struct Determinism {
        @Test func sameSeedSameRun() async throws {
            let (first, second) = try await LabSimulation.runTwice(
                seedVariable: "SHARDCTRLER_TEST_SEED", faults: LabFaults(diskCrashes: true),
                Lab4A.Lab4AShardCtrlerTests.basic4A)
            #expect(first == second, "seed \(first.seed): \(first) != \(second)")
        }
    }

    /// The seed sweep (off unless `LAB_SIM_SEEDS=<first>..<last>`; see `Scripts/sim-sweep.sh`).
    @Suite(.enabled(if: LabSimulation.sweepSeeds != nil)) struct Sweep {
        @Test func sweep() async throws {
            let failures = await LabSimulation.sweep(
                filterPrefix: "Lab4AVirtual", seedVariable: "SHARDCTRLER_TEST_SEED", bodies: Lab4AVirtual.bodies)
            #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        }
    }
}

extension Lab4AVirtual {
    @Suite(.timeLimit(.minutes(3))) struct Lab4AShardCtrlerTests {
        typealias Bodies = Lab4A.Lab4AShardCtrlerTests

        @Test func basic4A() async throws { try await run(Bodies.basic4A) }
        @Test func multi4A() async throws { try await run(Bodies.multi4A) }
    }
}

extension Lab4AVirtual {
    /// Every body of the suite by name (the determinism check and the seed sweep run them).
    static let bodies: [(name: String, suite: String, body: LabBody)] = [
        ("basic4A", "Lab4AShardCtrlerTests", Lab4A.Lab4AShardCtrlerTests.basic4A),
        ("multi4A", "Lab4AShardCtrlerTests", Lab4A.Lab4AShardCtrlerTests.multi4A),
    ]
}
