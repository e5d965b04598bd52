import Testing

extension Lab2Virtual {
    /// A seed reproduces a run: the same body twice with the same seed gives identical
    /// numbers: each part's virtual elapsed time, RPCs, bytes, agreements and final terms, and
    /// the scheduler's jobs, timers and virtual time once it has drained and stopped (the
    /// teardown is part of the run). Loop it with `Scripts/loop-determinism.sh N`, which
    /// prints each run's seed. (Across processes too: run the suite
    /// twice with the same `RAFT_LAB_SEED` and compare the "Passed" lines.)
    @Suite struct Determinism {
        @Test(arguments: ["reElection2A", "backup2B", "figure8Unreliable2C", "unreliableChurn2C", "snapshotInstallUnCrash2D"])
        func sameSeedSameRun(_ name: String) async throws {
            let body = try #require(LabBodies.all.first { $0.0 == name }?.1)
            let seed = LabSeed.next()
            let first = try await LabEnvironment.runVirtual(seed: seed, body)
            let second = try await LabEnvironment.runVirtual(seed: seed, body)
            #expect(first == second, "\(name), seed \(seed): \(first) != \(second)")
        }
    }
}
