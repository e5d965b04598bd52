import Testing

/// The Lab 2 tests (2A–2D) in virtual time: the same bodies as ``Lab2``, each run on its own
/// ``SimulationScheduler`` (one thread, FIFO jobs, a clock that jumps to the next sleeper), so
/// a run takes seconds and is a function of its printed seed. Every lab threshold (election
/// within 5 s, 120 s per test, RPC counts per second of idleness, bytes) is checked in virtual
/// time. Select with `--filter Lab2Virtual`; the real-time tests with `--filter 'Lab2/'`.
@Suite(.serialized) enum Lab2Virtual {}

extension Lab2Virtual {
    @Suite(.timeLimit(.minutes(2))) struct Lab2AElectionTests {
        typealias Bodies = Lab2.Lab2AElectionTests

        @Test func initialElection2A() async throws { try await LabEnvironment.runVirtual { try await Bodies.initialElection2A(in: $0) } }
        @Test func reElection2A() async throws { try await LabEnvironment.runVirtual { try await Bodies.reElection2A(in: $0) } }
        @Test func manyElections2A() async throws { try await LabEnvironment.runVirtual { try await Bodies.manyElections2A(in: $0) } }
    }
}

extension Lab2Virtual {
    @Suite(.timeLimit(.minutes(2))) struct Lab2BAgreementTests {
        typealias Bodies = Lab2.Lab2BAgreementTests

        @Test func basicAgree2B() async throws { try await LabEnvironment.runVirtual { try await Bodies.basicAgree2B(in: $0) } }
        @Test func rpcBytes2B() async throws { try await LabEnvironment.runVirtual { try await Bodies.rpcBytes2B(in: $0) } }
        @Test func failAgree2B() async throws { try await LabEnvironment.runVirtual { try await Bodies.failAgree2B(in: $0) } }
        @Test func failNoAgree2B() async throws { try await LabEnvironment.runVirtual { try await Bodies.failNoAgree2B(in: $0) } }
        @Test func concurrentStarts2B() async throws { try await LabEnvironment.runVirtual { try await Bodies.concurrentStarts2B(in: $0) } }
        @Test func rejoin2B() async throws { try await LabEnvironment.runVirtual { try await Bodies.rejoin2B(in: $0) } }
        @Test func backup2B() async throws { try await LabEnvironment.runVirtual { try await Bodies.backup2B(in: $0) } }
        @Test func count2B() async throws { try await LabEnvironment.runVirtual { try await Bodies.count2B(in: $0) } }
    }
}

extension Lab2Virtual {
    @Suite(.timeLimit(.minutes(2))) struct Lab2CPersistenceTests {
        typealias Bodies = Lab2.Lab2CPersistenceTests

        @Test func persist12C() async throws { try await LabEnvironment.runVirtual { try await Bodies.persist12C(in: $0) } }
        @Test func persist22C() async throws { try await LabEnvironment.runVirtual { try await Bodies.persist22C(in: $0) } }
        @Test func persist32C() async throws { try await LabEnvironment.runVirtual { try await Bodies.persist32C(in: $0) } }
        @Test func figure82C() async throws { try await LabEnvironment.runVirtual { try await Bodies.figure82C(in: $0) } }
        @Test func unreliableAgree2C() async throws { try await LabEnvironment.runVirtual { try await Bodies.unreliableAgree2C(in: $0) } }
        @Test func figure8Unreliable2C() async throws { try await LabEnvironment.runVirtual { try await Bodies.figure8Unreliable2C(in: $0) } }
        @Test(arguments: [false, true]) func churn2C(unreliable: Bool) async throws {
            try await LabEnvironment.runVirtual { try await Bodies.churn2C(in: $0, unreliable: unreliable) }
        }
    }
}

extension Lab2Virtual {
    @Suite(.timeLimit(.minutes(2))) struct Lab2DSnapshotTests {
        typealias Bodies = Lab2.Lab2DSnapshotTests

        @Test func snapshotBasic2D() async throws { try await LabEnvironment.runVirtual { try await Bodies.snapshotBasic2D(in: $0) } }
        @Test func snapshotInstall2D() async throws { try await LabEnvironment.runVirtual { try await Bodies.snapshotInstall2D(in: $0) } }
        @Test func snapshotInstallUnreliable2D() async throws { try await LabEnvironment.runVirtual { try await Bodies.snapshotInstallUnreliable2D(in: $0) } }
        @Test func snapshotInstallCrash2D() async throws { try await LabEnvironment.runVirtual { try await Bodies.snapshotInstallCrash2D(in: $0) } }
        @Test func snapshotInstallUnCrash2D() async throws { try await LabEnvironment.runVirtual { try await Bodies.snapshotInstallUnCrash2D(in: $0) } }
        @Test func snapshotAllCrash2D() async throws { try await LabEnvironment.runVirtual { try await Bodies.snapshotAllCrash2D(in: $0) } }
    }
}
