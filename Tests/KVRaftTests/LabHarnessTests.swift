import KVRaft
import LabHarness
import Testing

/// The lab harness with several groups on one network (the Lab 4B shape, on KV groups): ends
/// made by server name reach the right group, a whole group restarts from its persisters, and
/// `checkLogs` sees every group.
@Suite(.timeLimit(.minutes(1))) struct LabHarnessTests {
    @Test func groupsShareOneNetworkAndEndsReachServersByName() async throws {
        let lab = LabCluster(seed: LabSeed.next(environmentVariable: "KV_LAB_SEED"), label: "harness")
        print("lab harness test: seed \(lab.seed)")
        try await lab.run {
            let factory: LabServiceFactory<KVServer> = { context in
                try KVServer(
                    id: UInt64(context.index + 1), log: context.peer, restoredSnapshot: context.restoredSnapshot)
            }
            let a = try await lab.makeGroup(label: "a", serverNames: ["a-0"], maxRaftState: -1, makeService: factory)
            let b = try await lab.makeGroup(
                label: "b", serverNames: ["b-0", "b-1", "b-2"], maxRaftState: -1, makeService: factory)
            func clerk(_ names: [String]) -> Clerk {
                var configuration = Clerk.Configuration()
                configuration.operationTimeout = .seconds(20)
                return Clerk(
                    servers: names.map { Clerk.Server(client: KVClient(wrapping: lab.makeEnd(to: $0))) },
                    configuration: configuration)
            }
            let clerkA = clerk(a.serverNames)
            let clerkB = clerk(b.serverNames)
            try await clerkA.put("k", "in a")
            try await clerkB.put("k", "in b")
            #expect(try await clerkA.get("k") == "in a")
            #expect(try await clerkB.get("k") == "in b")

            await b.shutdownAll()
            #expect(await b.leader() == nil)
            try await b.startAll()
            await b.connectAll()
            #expect(try await clerkB.get("k") == "in b")
            #expect(await b.persistedBytes() > 0)
            #expect(await b.maxSnapshotSize() == 0)
            try await lab.checkLogs()
        }
    }

    /// A group on the disk store (`DiskRaftStore` on each server's simulated disk) in virtual
    /// time: acknowledged writes survive whole-group restarts with power losses (disk crashes
    /// on), snapshots land in snapshot files, and the sizes the labs check come from the store.
    @Test func diskStoreGroupKeepsAcknowledgedWritesAcrossPowerLosses() async throws {
        let seed = LabSeed.forVirtualRun(environmentVariable: "KV_LAB_SEED")
        let record = try await LabEnvironment.runVirtual(
            seed: seed, faults: LabFaults(diskCrashes: true), storage: .disk
        ) {
            try await LabTests.withCluster(servers: 3, unreliable: false, maxRaftState: 500) { cluster in
                let all = await cluster.all
                let clerk = await cluster.makeClient(to: all)
                for round in 0..<3 {
                    for key in 0..<20 { try await cluster.put(clerk, "\(key)", "round \(round)") }
                    for i in all { await cluster.shutdownServer(i) }
                    for i in all { try await cluster.startServer(i) }
                    await cluster.connectAll()
                    for key in 0..<20 {
                        let value = try await cluster.get(clerk, "\(key)")
                        guard value == "round \(round)" else {
                            throw LabFailure("key \(key): \(value), round \(round)")
                        }
                    }
                }
                #expect(await cluster.snapshotSize() > 0)
                #expect(await cluster.logSize() > 0)
                try await cluster.lab.checkLogs()
            }
        }
        #expect(record.faults.contains("disk-crash="), "\(record.faults)")
    }
}
