import KVRaft
import LabHarness
import Simulation

/// The lab's shared test bodies: `GenericTest` and `GenericTestSpeed` (kvraft/test_test.go).
enum LabTests {
    /// Runs `body` on a new cluster and always cleans the cluster up.
    static func withCluster<Result>(
        servers: Int, unreliable: Bool, maxRaftState: Int, _ body: (KVLabCluster) async throws -> Result
    ) async throws -> Result {
        let cluster = try await KVLabCluster(
            servers: servers, unreliable: unreliable, maxRaftState: maxRaftState,
            seed: LabSeed.next(environmentVariable: "KV_LAB_SEED"))
        return try await cluster.lab.run { try await body(cluster) }
    }

    /// The lab's `GenericTest`: three rounds on one cluster, each with `clients` clerks doing
    /// appends/puts/gets for 5 s, optionally with a partitioner, then optionally a restart of
    /// every server; then the append checks, the log/snapshot size checks and, over all
    /// rounds, the linearizability check.
    static func genericTest(
        part: String, clients: Int, servers: Int, unreliable: Bool, crash: Bool, partitions: Bool,
        maxRaftState: Int, randomKeys: Bool
    ) async throws {
        var title = "Test: "
        if unreliable { title += "unreliable net, " }
        if crash { title += "restarts, " }
        if partitions { title += "partitions, " }
        if maxRaftState != -1 { title += "snapshots, " }
        if randomKeys { title += "random keys, " }
        title += clients > 1 ? "many clients" : "one client"
        title += " (\(part))"

        try await withCluster(servers: servers, unreliable: unreliable, maxRaftState: maxRaftState) { cluster in
            await cluster.begin(title)
            let all = await cluster.all
            let history = OperationHistory()
            let clerk = await cluster.makeClient(to: all)
            let seed = cluster.seed
            for round in 0..<3 {
                let clientsDone = StopFlag()
                let partitionerDone = StopFlag()
                var tasks: [Task<Int, any Error>] = []
                for client in 0..<clients {
                    let task = await cluster.spawn { () async throws -> Int in
                        let myClerk = await cluster.makeClient(to: all)
                        var random = SeededRandom(seed: seed ^ UInt64(round * 1_000 + client + 1))
                        var j = 0
                        var last = ""
                        if !randomKeys { try await cluster.put(myClerk, "\(client)", last, history: history, client: client) }
                        while !clientsDone.isRaised {
                            let key = randomKeys ? "\(random.int(in: 0..<clients))" : "\(client)"
                            let value = "x \(client) \(j) y"
                            if random.int(in: 0..<1000) < 500 {
                                try await cluster.append(myClerk, key, value, history: history, client: client)
                                if !randomKeys { last += value }
                                j += 1
                            } else if randomKeys && random.int(in: 0..<1000) < 100 {
                                try await cluster.put(myClerk, key, value, history: history, client: client)
                                j += 1
                            } else {
                                let got = try await cluster.get(myClerk, key, history: history, client: client)
                                if !randomKeys && got != last {
                                    throw LabFailure("get wrong value, key \(key), wanted:\n\(last)\n, got\n\(got)")
                                }
                            }
                        }
                        return j
                    }
                    tasks.append(task)
                }
                var partitioner: Task<Void, any Error>?
                if partitions {
                    // Let the clients do some work before partitioning.
                    try await cluster.sleep(for: .seconds(1))
                    partitioner = await cluster.spawn { try await cluster.runPartitioner(until: partitionerDone) }
                }
                try await cluster.sleep(for: .seconds(5))
                clientsDone.raise()
                partitionerDone.raise()
                if let partitioner {
                    try await partitioner.value
                    await cluster.connectAll()
                    // Wait for a while for servers to realize the partitions are gone.
                    try await cluster.sleep(for: KVLabCluster.electionTimeout)
                }
                if crash {
                    for i in 0..<servers { await cluster.shutdownServer(i) }
                    // Wait for a while for servers to shut down, since shutdown isn't a real
                    // crash and isn't instantaneous.
                    try await cluster.sleep(for: KVLabCluster.electionTimeout)
                    for i in 0..<servers { try await cluster.startServer(i) }
                    await cluster.connectAll()
                }
                for client in 0..<clients {
                    let count = try await tasks[client].value
                    let value = try await cluster.get(clerk, "\(client)", history: history, client: 0)
                    if !randomKeys { try KVLabCluster.checkClientAppends(client, value, count) }
                }
                if maxRaftState > 0 {
                    // The log must have been trimmed by snapshots.
                    let size = await cluster.logSize()
                    guard size <= 8 * maxRaftState else {
                        throw LabFailure("logs were not trimmed (\(size) > 8*\(maxRaftState))")
                    }
                }
                if maxRaftState < 0 {
                    let size = await cluster.snapshotSize()
                    guard size == 0 else {
                        throw LabFailure("snapshot too large (\(size)), should not be used when maxraftstate = \(maxRaftState)")
                    }
                }
            }
            try history.checkLinearizable()
            try await cluster.end()
        }
    }

    /// The lab's `GenericTestSpeed`: 1000 sequential appends by one clerk on 3 servers must
    /// average at most 100 ms / 3 each (three per heartbeat interval).
    static func speedTest(part: String, maxRaftState: Int) async throws {
        try await withCluster(servers: 3, unreliable: false, maxRaftState: maxRaftState) { cluster in
            let operations = 1_000
            let clerk = await cluster.makeClient(to: await cluster.all)
            await cluster.begin("Test: ops complete fast enough (\(part))")
            // Wait until the first op completes, so a leader is elected and the servers serve.
            _ = try await clerk.clerk.get("x")
            let start = cluster.now()
            for i in 0..<operations { try await clerk.clerk.append("x", "x 0 \(i) y") }
            let duration = cluster.now() - start
            let value = try await clerk.clerk.get("x")
            try KVLabCluster.checkClientAppends(0, value, operations)
            let heartbeatInterval = Duration.milliseconds(100)
            let opsPerInterval = 3
            let timePerOperation = heartbeatInterval / opsPerInterval
            print("  \(operations) appends in \(duration) (\(duration / operations) per op; limit \(timePerOperation))")
            guard duration <= timePerOperation * operations else {
                throw LabFailure("operations completed too slowly \(duration / operations)/op > \(timePerOperation)/op")
            }
            try await cluster.end()
        }
    }
}
