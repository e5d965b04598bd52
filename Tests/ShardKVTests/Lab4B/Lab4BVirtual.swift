import LabHarness
import Testing

/// The Lab 4B tests in virtual time: the same bodies as ``Lab4B`` on a `SimulationScheduler`
/// (see `Lab3Virtual`). `SHARDKV_LAB_SEED=<seed>` replays a run.
@Suite(.serialized) enum Lab4BVirtual {
    static func run(_ body: @escaping LabBody) async throws {
        try await LabSimulation.run(seedVariable: "SHARDKV_LAB_SEED", body)
    }
}

extension Lab4BVirtual {
    /// Same seed, same run (with disk crashes on; see `Lab3Virtual.Determinism`).
    @Suite struct Determinism {
        @Test(arguments: ["concurrent2", "unreliable3"])
        func sameSeedSameRun(_ name: String) async throws {
            let body = try #require(Lab4BVirtual.bodies.first { $0.name == name }?.body)
            let (first, second) = try await LabSimulation.runTwice(
                seedVariable: "SHARDKV_LAB_SEED", faults: LabFaults(diskCrashes: true), body)
            #expect(first == second, "\(name), seed \(first.seed): \(first) != \(second)")
        }
    }

    /// The sweep's own test: joins and leaves under random crashes (power losses with disk
    /// crashes on), partitions and unreliable delivery (``ShardKVRandomFaultsTest``), on the
    /// daemon's disk store (``LabStorage/disk``).
    @Suite(.timeLimit(.minutes(3))) struct Nemesis {
        @Test func randomFaults() async throws {
            try await run(LabSimulation.onDisk(ShardKVRandomFaultsTest.randomFaults))
        }
    }

    /// The seed sweep (off unless `LAB_SIM_SEEDS=<first>..<last>`; see `Scripts/sim-sweep.sh`).
    @Suite(.enabled(if: LabSimulation.sweepSeeds != nil)) struct Sweep {
        @Test func sweep() async throws {
            let failures = await LabSimulation.sweep(
                filterPrefix: "Lab4BVirtual", seedVariable: "SHARDKV_LAB_SEED", bodies: Lab4BVirtual.bodies)
            #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        }
    }
}

extension Lab4BVirtual {
    @Suite(.timeLimit(.minutes(3))) struct ShardKVTests {
        typealias Bodies = Lab4B.ShardKVTests

        @Test func staticShards() async throws { try await run(Bodies.staticShards) }
        @Test func joinLeave() async throws { try await run(Bodies.joinLeave) }
        @Test func snapshot() async throws { try await run(Bodies.snapshot) }
        @Test func missChange() async throws { try await run(Bodies.missChange) }
        @Test func concurrent1() async throws { try await run(Bodies.concurrent1) }
        @Test func concurrent2() async throws { try await run(Bodies.concurrent2) }
        @Test func concurrent3() async throws { try await run(Bodies.concurrent3) }
        @Test func unreliable1() async throws { try await run(Bodies.unreliable1) }
        @Test func unreliable2() async throws { try await run(Bodies.unreliable2) }
        @Test func unreliable3() async throws { try await run(Bodies.unreliable3) }
        @Test func challenge1Delete() async throws { try await run(Bodies.challenge1Delete) }
        @Test func challenge2Unaffected() async throws { try await run(Bodies.challenge2Unaffected) }
        @Test func challenge2Partial() async throws { try await run(Bodies.challenge2Partial) }
    }
}

extension Lab4BVirtual {
    /// Every body of the suite by name (the determinism check and the seed sweep run them).
    static let bodies: [(name: String, suite: String, body: LabBody)] = [
        ("randomFaults", "Nemesis", LabSimulation.onDisk(ShardKVRandomFaultsTest.randomFaults)),
        ("staticShards", "ShardKVTests", Lab4B.ShardKVTests.staticShards),
        ("joinLeave", "ShardKVTests", Lab4B.ShardKVTests.joinLeave),
        ("snapshot", "ShardKVTests", Lab4B.ShardKVTests.snapshot),
        ("missChange", "ShardKVTests", Lab4B.ShardKVTests.missChange),
        ("concurrent1", "ShardKVTests", Lab4B.ShardKVTests.concurrent1),
        ("concurrent2", "ShardKVTests", Lab4B.ShardKVTests.concurrent2),
        ("concurrent3", "ShardKVTests", Lab4B.ShardKVTests.concurrent3),
        ("unreliable1", "ShardKVTests", Lab4B.ShardKVTests.unreliable1),
        ("unreliable2", "ShardKVTests", Lab4B.ShardKVTests.unreliable2),
        ("unreliable3", "ShardKVTests", Lab4B.ShardKVTests.unreliable3),
        ("challenge1Delete", "ShardKVTests", Lab4B.ShardKVTests.challenge1Delete),
        ("challenge2Unaffected", "ShardKVTests", Lab4B.ShardKVTests.challenge2Unaffected),
        ("challenge2Partial", "ShardKVTests", Lab4B.ShardKVTests.challenge2Partial),
    ]
}
