#if canImport(Glibc)
import Glibc
#endif
import Testing

extension Lab2Virtual {
    /// Runs one virtual Lab 2 test over many seeds (a simulation sweep): off unless
    /// `RAFT_LAB_SWEEP=<first>-<last>` is set; `RAFT_LAB_SWEEP_TEST` picks the test by name
    /// (e.g. `figure8Unreliable2C`, default all). Prints every seed before running it, and
    /// stops at the first failure, whose seed replays with `RAFT_LAB_SEED`.
    @Suite(.enabled(if: LabSweep.range != nil)) struct Sweep {
        @Test func sweep() async throws {
            guard let range = LabSweep.range else { return }
            let only = getenv("RAFT_LAB_SWEEP_TEST").map { String(cString: $0) }
            for (name, body) in LabBodies.all where only == nil || only == name {
                for seed in range {
                    print("sweep: \(name) seed \(seed)")
                    fflush(nil)  // all streams: the seed is visible even if the run hangs
                    try await LabEnvironment.runVirtual(seed: seed, body)
                }
            }
        }
    }
}

enum LabSweep {
    static var range: ClosedRange<UInt64>? {
        guard let raw = getenv("RAFT_LAB_SWEEP") else { return nil }
        let parts = String(cString: raw).split(separator: "-").compactMap { UInt64($0) }
        guard parts.count == 2, parts[0] <= parts[1] else { return nil }
        return parts[0]...parts[1]
    }
}

/// Every Lab 2 test body by name (the real-time and virtual suites call the same bodies).
enum LabBodies {
    typealias Body = @Sendable (LabEnvironment) async throws -> Void
    static let all: [(String, Body)] = [
        ("initialElection2A", { try await Lab2.Lab2AElectionTests.initialElection2A(in: $0) }),
        ("reElection2A", { try await Lab2.Lab2AElectionTests.reElection2A(in: $0) }),
        ("manyElections2A", { try await Lab2.Lab2AElectionTests.manyElections2A(in: $0) }),
        ("basicAgree2B", { try await Lab2.Lab2BAgreementTests.basicAgree2B(in: $0) }),
        ("rpcBytes2B", { try await Lab2.Lab2BAgreementTests.rpcBytes2B(in: $0) }),
        ("failAgree2B", { try await Lab2.Lab2BAgreementTests.failAgree2B(in: $0) }),
        ("failNoAgree2B", { try await Lab2.Lab2BAgreementTests.failNoAgree2B(in: $0) }),
        ("concurrentStarts2B", { try await Lab2.Lab2BAgreementTests.concurrentStarts2B(in: $0) }),
        ("rejoin2B", { try await Lab2.Lab2BAgreementTests.rejoin2B(in: $0) }),
        ("backup2B", { try await Lab2.Lab2BAgreementTests.backup2B(in: $0) }),
        ("count2B", { try await Lab2.Lab2BAgreementTests.count2B(in: $0) }),
        ("persist12C", { try await Lab2.Lab2CPersistenceTests.persist12C(in: $0) }),
        ("persist22C", { try await Lab2.Lab2CPersistenceTests.persist22C(in: $0) }),
        ("persist32C", { try await Lab2.Lab2CPersistenceTests.persist32C(in: $0) }),
        ("figure82C", { try await Lab2.Lab2CPersistenceTests.figure82C(in: $0) }),
        ("unreliableAgree2C", { try await Lab2.Lab2CPersistenceTests.unreliableAgree2C(in: $0) }),
        ("figure8Unreliable2C", { try await Lab2.Lab2CPersistenceTests.figure8Unreliable2C(in: $0) }),
        ("churn2C", { try await Lab2.Lab2CPersistenceTests.churn2C(in: $0, unreliable: false) }),
        ("unreliableChurn2C", { try await Lab2.Lab2CPersistenceTests.churn2C(in: $0, unreliable: true) }),
        ("snapshotBasic2D", { try await Lab2.Lab2DSnapshotTests.snapshotBasic2D(in: $0) }),
        ("snapshotInstall2D", { try await Lab2.Lab2DSnapshotTests.snapshotInstall2D(in: $0) }),
        ("snapshotInstallUnreliable2D", { try await Lab2.Lab2DSnapshotTests.snapshotInstallUnreliable2D(in: $0) }),
        ("snapshotInstallCrash2D", { try await Lab2.Lab2DSnapshotTests.snapshotInstallCrash2D(in: $0) }),
        ("snapshotInstallUnCrash2D", { try await Lab2.Lab2DSnapshotTests.snapshotInstallUnCrash2D(in: $0) }),
        ("snapshotAllCrash2D", { try await Lab2.Lab2DSnapshotTests.snapshotAllCrash2D(in: $0) }),
    ]
}
