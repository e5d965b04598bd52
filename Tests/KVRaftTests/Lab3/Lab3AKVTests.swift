import LabHarness
import Testing

extension Lab3 {
    /// 6.824 Lab 3A: the KV service without snapshots (spec §4.4–4.5). Each test prints its
    /// seed; `KV_LAB_SEED=<seed>` replays the random choices (not the timing).
    @Suite(.timeLimit(.minutes(3))) struct Lab3AKVTests {
        @Test func basic3A() async throws { try await Self.basic3A() }
        @Test func speed3A() async throws { try await Self.speed3A() }
        @Test func concurrent3A() async throws { try await Self.concurrent3A() }
        @Test func unreliable3A() async throws { try await Self.unreliable3A() }
        @Test func unreliableOneKey3A() async throws { try await Self.unreliableOneKey3A() }
        @Test func onePartition3A() async throws { try await Self.onePartition3A() }
        @Test func manyPartitionsOneClient3A() async throws { try await Self.manyPartitionsOneClient3A() }
        @Test func manyPartitionsManyClients3A() async throws { try await Self.manyPartitionsManyClients3A() }
        @Test func persistOneClient3A() async throws { try await Self.persistOneClient3A() }
        @Test func persistConcurrent3A() async throws { try await Self.persistConcurrent3A() }
        @Test func persistConcurrentUnreliable3A() async throws { try await Self.persistConcurrentUnreliable3A() }
        @Test func persistPartition3A() async throws { try await Self.persistPartition3A() }
        @Test func persistPartitionUnreliable3A() async throws { try await Self.persistPartitionUnreliable3A() }
        @Test func persistPartitionUnreliableLinearizable3A() async throws {
            try await Self.persistPartitionUnreliableLinearizable3A()
        }

        static func basic3A() async throws {
            try await LabTests.genericTest(
                part: "3A", clients: 1, servers: 5, unreliable: false, crash: false, partitions: false, maxRaftState: -1,
                randomKeys: false)
        }

        static func speed3A() async throws {
            try await LabTests.speedTest(part: "3A", maxRaftState: -1)
        }

        static func concurrent3A() async throws {
            try await LabTests.genericTest(
                part: "3A", clients: 5, servers: 5, unreliable: false, crash: false, partitions: false, maxRaftState: -1,
                randomKeys: false)
        }

        static func unreliable3A() async throws {
            try await LabTests.genericTest(
                part: "3A", clients: 5, servers: 5, unreliable: true, crash: false, partitions: false, maxRaftState: -1,
                randomKeys: false)
        }

        /// Five clerks append to one key over an unreliable network; every append must be in
        /// the final value exactly once, each clerk's in order.
        static func unreliableOneKey3A() async throws {
            try await LabTests.withCluster(servers: 3, unreliable: true, maxRaftState: -1) { cluster in
                let all = await cluster.all
                let clerk = await cluster.makeClient(to: all)
                await cluster.begin("Test: concurrent append to same key, unreliable (3A)")
                try await cluster.put(clerk, "k", "")
                let clients = 5
                let upto = 10
                var tasks: [Task<Void, any Error>] = []
                for me in 0..<clients {
                    tasks.append(
                        await cluster.spawn {
                            let myClerk = await cluster.makeClient(to: all)
                            for n in 0..<upto { try await cluster.append(myClerk, "k", "x \(me) \(n) y") }
                        })
                }
                for task in tasks { try await task.value }
                let value = try await cluster.get(clerk, "k")
                try KVLabCluster.checkConcurrentAppends(value, counts: Array(repeating: upto, count: clients))
                try await cluster.end()
            }
        }

        /// The leader ends up in the minority: the majority makes progress, the minority does
        /// not (for 1 s), and after healing the minority's pending Put completes (within 3 s)
        /// and applies once, after the majority's writes.
        static func onePartition3A() async throws {
            try await LabTests.withCluster(servers: 5, unreliable: false, maxRaftState: -1) { cluster in
                let all = await cluster.all
                let clerk = await cluster.makeClient(to: all)
                try await cluster.put(clerk, "1", "13")

                await cluster.begin("Test: progress in majority (3A)")
                let (p1, p2) = await cluster.makePartition()
                await cluster.partition(p1, p2)
                let ckp1 = await cluster.makeClient(to: p1)  // connect ckp1 to p1
                let ckp2a = await cluster.makeClient(to: p2)  // connect ckp2a to p2
                let ckp2b = await cluster.makeClient(to: p2)  // connect ckp2b to p2
                try await cluster.put(ckp1, "1", "14")
                try await cluster.check(ckp1, "1", "14")
                try await cluster.end()

                await cluster.begin("Test: no progress in minority (3A)")
                let putDone = StopFlag()
                let getDone = StopFlag()
                _ = await cluster.spawn {
                    try await cluster.put(ckp2a, "1", "15")
                    putDone.raise()
                }
                _ = await cluster.spawn {
                    _ = try await cluster.get(ckp2b, "1")  // different clerk in p2
                    getDone.raise()
                }
                try await cluster.sleep(for: .seconds(1))
                if putDone.isRaised { throw LabFailure("Put in minority completed") }
                if getDone.isRaised { throw LabFailure("Get in minority completed") }
                try await cluster.check(ckp1, "1", "14")
                try await cluster.put(ckp1, "1", "16")
                try await cluster.check(ckp1, "1", "16")
                try await cluster.end()

                await cluster.begin("Test: completion after heal (3A)")
                await cluster.connectAll()
                await cluster.connectClient(ckp2a, to: all)
                await cluster.connectClient(ckp2b, to: all)
                try await cluster.sleep(for: KVLabCluster.electionTimeout)
                let deadline = cluster.now() + (.milliseconds(30 * 100))
                while !putDone.isRaised && cluster.now() < deadline {
                    try await cluster.sleep(for: .milliseconds(10))
                }
                guard putDone.isRaised else { throw LabFailure("Put did not complete") }
                try await cluster.check(clerk, "1", "15")
                try await cluster.end()
            }
        }

        static func manyPartitionsOneClient3A() async throws {
            try await LabTests.genericTest(
                part: "3A", clients: 1, servers: 5, unreliable: false, crash: false, partitions: true, maxRaftState: -1,
                randomKeys: false)
        }

        static func manyPartitionsManyClients3A() async throws {
            try await LabTests.genericTest(
                part: "3A", clients: 5, servers: 5, unreliable: false, crash: false, partitions: true, maxRaftState: -1,
                randomKeys: false)
        }

        static func persistOneClient3A() async throws {
            try await LabTests.genericTest(
                part: "3A", clients: 1, servers: 5, unreliable: false, crash: true, partitions: false, maxRaftState: -1,
                randomKeys: false)
        }

        static func persistConcurrent3A() async throws {
            try await LabTests.genericTest(
                part: "3A", clients: 5, servers: 5, unreliable: false, crash: true, partitions: false, maxRaftState: -1,
                randomKeys: false)
        }

        static func persistConcurrentUnreliable3A() async throws {
            try await LabTests.genericTest(
                part: "3A", clients: 5, servers: 5, unreliable: true, crash: true, partitions: false, maxRaftState: -1,
                randomKeys: false)
        }

        static func persistPartition3A() async throws {
            try await LabTests.genericTest(
                part: "3A", clients: 5, servers: 5, unreliable: false, crash: true, partitions: true, maxRaftState: -1,
                randomKeys: false)
        }

        static func persistPartitionUnreliable3A() async throws {
            try await LabTests.genericTest(
                part: "3A", clients: 5, servers: 5, unreliable: true, crash: true, partitions: true, maxRaftState: -1,
                randomKeys: false)
        }

        static func persistPartitionUnreliableLinearizable3A() async throws {
            try await LabTests.genericTest(
                part: "3A", clients: 15, servers: 7, unreliable: true, crash: true, partitions: true, maxRaftState: -1,
                randomKeys: true)
        }
    }
}
