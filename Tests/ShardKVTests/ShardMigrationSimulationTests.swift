import Foundation
import Testing

/// Randomized migration between three groups' state machines (see ``MigrationSimulation``):
/// random configuration sequences, pulls/deletes/acks delivered in random order with
/// duplicates, clients retrying writes across moves, followers restored from snapshots. Each
/// run prints its seed; `SHARDKV_SEED=<seed>` replays exactly that run.
@Suite struct ShardMigrationSimulationTests {
    static let stepsPerRun = 1200

    static var seeds: [UInt64] {
        if let value = ProcessInfo.processInfo.environment["SHARDKV_SEED"], let seed = UInt64(value) { return [seed] }
        let base = UInt64.random(in: 1...UInt64.max / 2)
        return (0..<8).map { base + $0 }
    }

    @Test func randomReconfigurationsKeepOwnershipExclusiveAndWritesExactlyOnce() {
        for seed in Self.seeds {
            print("ShardMigrationSimulation seed \(seed) (replay: SHARDKV_SEED=\(seed))")
            var simulation = MigrationSimulation(seed: seed)
            for _ in 0..<Self.stepsPerRun { simulation.step() }
            #expect(simulation.configs.count > 2, "seed \(seed): too few configurations to exercise migration")
            #expect(!simulation.model.isEmpty, "seed \(seed): no writes")
            let settled = simulation.settle()
            #expect(settled, "seed \(seed): groups did not converge on the last configuration")
            simulation.checkFinalState()
        }
    }
}
