import LabHarness
import Simulation

/// The seed sweep's own KV test: the lab's checks under random faults the lab never combines.
enum RandomFaultsTest {
    /// Five servers with snapshots (maxraftstate 1000) and five clerks, each appending to its own
    /// key and checking it with Gets, for 10 s while a nemesis changes something every
    /// 100–1099 ms: a random two-way partition, healing, a crash and restart of one server (a
    /// power loss when disk crashes are on), rarely a crash of every server at once, the network
    /// unreliable or reliable, long reordering on or off. Then everything heals and every
    /// clerk's appends must be in its key exactly once and in order, and the whole history must
    /// be linearizable. Each fault is counted in the run's fault summary.
    static func randomFaults() async throws {
        try await LabTests.withCluster(servers: 5, unreliable: false, maxRaftState: 1000) { cluster in
            await cluster.begin("Test: random faults, snapshots, many clients (sweep)")
            let all = await cluster.all
            let history = OperationHistory()
            let clients = 5
            let done = StopFlag()
            var tasks: [Task<Int, any Error>] = []
            for client in 0..<clients {
                tasks.append(
                    await cluster.spawn { () async throws -> Int in
                        let clerk = await cluster.makeClient(to: all)
                        var j = 0
                        var last = ""
                        try await cluster.put(clerk, "\(client)", "", history: history, client: client)
                        while !done.isRaised {
                            if cluster.lab.randomInt(3) < 2 {
                                let value = "x \(client) \(j) y"
                                try await cluster.append(clerk, "\(client)", value, history: history, client: client)
                                last += value
                                j += 1
                            } else {
                                let got = try await cluster.get(clerk, "\(client)", history: history, client: client)
                                guard got == last else {
                                    throw LabFailure("get wrong value, key \(client), wanted:\n\(last)\n, got\n\(got)")
                                }
                            }
                        }
                        return j
                    })
            }
            let nemesisEnd = cluster.now() + .seconds(10)
            while cluster.now() < nemesisEnd {
                try await injectFault(cluster, all: all)
                try await cluster.sleep(for: .milliseconds(100 + cluster.lab.randomInt(1000)))
            }
            // Heal: every server up and connected, a reliable network, then let the clerks finish.
            cluster.lab.network.setLongReordering(false)
            cluster.lab.setReliable(true)
            for i in all where await cluster.group.peer(i) == nil { try await cluster.startServer(i) }
            await cluster.connectAll()
            done.raise()
            let clerk = await cluster.makeClient(to: all)
            for client in 0..<clients {
                let count = try await tasks[client].value
                let value = try await cluster.get(clerk, "\(client)", history: history, client: clients)
                try KVLabCluster.checkClientAppends(client, value, count)
            }
            try history.checkLinearizable()
            try await cluster.end()
        }
    }

    /// One random fault (see ``randomFaults()``).
    private static func injectFault(_ cluster: KVLabCluster, all: [Int]) async throws {
        let lab = cluster.lab
        switch lab.randomInt(20) {
        case 0..<6:
            var parts: [[Int]] = [[], []]
            for i in all { parts[lab.randomInt(2)].append(i) }
            await cluster.partition(parts[0], parts[1])
            lab.countFault("partition")
        case 6..<9:
            await cluster.connectAll()
        case 9..<15:
            let i = lab.randomInt(all.count)
            if await cluster.group.peer(i) == nil {
                try await cluster.startServer(i)
                await cluster.connect(i, to: all)
            } else {
                await cluster.shutdownServer(i)
            }
        case 15:
            // Every server at once (with disk crashes on, about half lose what they had not synced).
            for i in all where await cluster.group.peer(i) != nil { await cluster.shutdownServer(i) }
            try await cluster.sleep(for: .milliseconds(lab.randomInt(1000)))
            for i in all { try await cluster.startServer(i) }
            await cluster.connectAll()
            lab.countFault("crash-all")
        case 16..<18:
            let reliable = lab.randomInt(2) == 0
            lab.setReliable(reliable)
            if !reliable { lab.countFault("unreliable") }
        default:
            let on = lab.randomInt(2) == 0
            lab.network.setLongReordering(on)
            if on { lab.countFault("long-reordering") }
        }
    }
}
