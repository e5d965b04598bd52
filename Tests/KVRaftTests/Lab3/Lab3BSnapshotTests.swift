import LabHarness
import Testing

extension Lab3 {
    /// 6.824 Lab 3B: the KV service with snapshots, maxraftstate 1000 (spec §4.4–4.5).
    @Suite(.timeLimit(.minutes(3))) struct Lab3BSnapshotTests {
        @Test func snapshotRPC3B() async throws { try await Self.snapshotRPC3B() }
        @Test func snapshotSize3B() async throws { try await Self.snapshotSize3B() }
        @Test func speed3B() async throws { try await Self.speed3B() }
        @Test func snapshotRecover3B() async throws { try await Self.snapshotRecover3B() }
        @Test func snapshotRecoverManyClients3B() async throws { try await Self.snapshotRecoverManyClients3B() }
        @Test func snapshotUnreliable3B() async throws { try await Self.snapshotUnreliable3B() }
        @Test func snapshotUnreliableRecover3B() async throws { try await Self.snapshotUnreliableRecover3B() }
        @Test func snapshotUnreliableRecoverConcurrentPartition3B() async throws {
            try await Self.snapshotUnreliableRecoverConcurrentPartition3B()
        }
        @Test func snapshotUnreliableRecoverConcurrentPartitionLinearizable3B() async throws {
            try await Self.snapshotUnreliableRecoverConcurrentPartitionLinearizable3B()
        }

        /// The majority compacts its log without the lagging server, which must then be
        /// brought up to date (by InstallSnapshot) to form a new majority.
        static func snapshotRPC3B() async throws {
            let maxRaftState = 1000
            try await LabTests.withCluster(servers: 3, unreliable: false, maxRaftState: maxRaftState) { cluster in
                let clerk = await cluster.makeClient(to: await cluster.all)
                await cluster.begin("Test: InstallSnapshot RPC (3B)")
                try await cluster.put(clerk, "a", "A")
                try await cluster.check(clerk, "a", "A")

                // A bunch of puts into the majority partition.
                await cluster.partition([0, 1], [2])
                do {
                    let ck1 = await cluster.makeClient(to: [0, 1])
                    for i in 0..<50 { try await cluster.put(ck1, "\(i)", "\(i)") }
                    try await cluster.sleep(for: KVLabCluster.electionTimeout)
                    try await cluster.put(ck1, "b", "B")
                }

                // The majority partition must have thrown away most of its log entries.
                let size = await cluster.logSize()
                guard size <= 8 * maxRaftState else { throw LabFailure("logs were not trimmed (\(size) > 8*\(maxRaftState))") }

                // Now a group that requires the lagging server, so that it has to catch up.
                await cluster.partition([0, 2], [1])
                do {
                    let ck1 = await cluster.makeClient(to: [0, 2])
                    try await cluster.put(ck1, "c", "C")
                    try await cluster.put(ck1, "d", "D")
                    try await cluster.check(ck1, "a", "A")
                    try await cluster.check(ck1, "b", "B")
                    try await cluster.check(ck1, "1", "1")
                    try await cluster.check(ck1, "49", "49")
                }

                // Now everybody.
                await cluster.partition([0, 1, 2], [])
                try await cluster.put(clerk, "e", "E")
                try await cluster.check(clerk, "c", "C")
                try await cluster.check(clerk, "e", "E")
                try await cluster.check(clerk, "1", "1")
                try await cluster.end()
            }
        }

        /// Snapshots hold only live state and a compact session table.
        static func snapshotSize3B() async throws {
            let maxRaftState = 1000
            let maxSnapshotState = 500
            try await LabTests.withCluster(servers: 3, unreliable: false, maxRaftState: maxRaftState) { cluster in
                let clerk = await cluster.makeClient(to: await cluster.all)
                await cluster.begin("Test: snapshot size is reasonable (3B)")
                for _ in 0..<200 {
                    try await cluster.put(clerk, "x", "0")
                    try await cluster.check(clerk, "x", "0")
                    try await cluster.put(clerk, "x", "1")
                    try await cluster.check(clerk, "x", "1")
                }
                // The servers must have thrown away most of their log entries.
                let size = await cluster.logSize()
                guard size <= 8 * maxRaftState else { throw LabFailure("logs were not trimmed (\(size) > 8*\(maxRaftState))") }
                // The snapshots must not be unreasonably large.
                let snapshotSize = await cluster.snapshotSize()
                guard snapshotSize <= maxSnapshotState else {
                    throw LabFailure("snapshot too large (\(snapshotSize) > \(maxSnapshotState))")
                }
                print("  log \(size) bytes, snapshot \(snapshotSize) bytes")
                try await cluster.end()
            }
        }

        static func speed3B() async throws {
            try await LabTests.speedTest(part: "3B", maxRaftState: 1000)
        }

        static func snapshotRecover3B() async throws {
            try await LabTests.genericTest(
                part: "3B", clients: 1, servers: 5, unreliable: false, crash: true, partitions: false, maxRaftState: 1000,
                randomKeys: false)
        }

        static func snapshotRecoverManyClients3B() async throws {
            try await LabTests.genericTest(
                part: "3B", clients: 20, servers: 5, unreliable: false, crash: true, partitions: false, maxRaftState: 1000,
                randomKeys: false)
        }

        static func snapshotUnreliable3B() async throws {
            try await LabTests.genericTest(
                part: "3B", clients: 5, servers: 5, unreliable: true, crash: false, partitions: false, maxRaftState: 1000,
                randomKeys: false)
        }

        static func snapshotUnreliableRecover3B() async throws {
            try await LabTests.genericTest(
                part: "3B", clients: 5, servers: 5, unreliable: true, crash: true, partitions: false, maxRaftState: 1000,
                randomKeys: false)
        }

        static func snapshotUnreliableRecoverConcurrentPartition3B() async throws {
            try await LabTests.genericTest(
                part: "3B", clients: 5, servers: 5, unreliable: true, crash: true, partitions: true, maxRaftState: 1000,
                randomKeys: false)
        }

        static func snapshotUnreliableRecoverConcurrentPartitionLinearizable3B() async throws {
            try await LabTests.genericTest(
                part: "3B", clients: 15, servers: 7, unreliable: true, crash: true, partitions: true, maxRaftState: 1000,
                randomKeys: true)
        }
    }
}
