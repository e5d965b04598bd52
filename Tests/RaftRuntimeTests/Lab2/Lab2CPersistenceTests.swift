import Synchronization
import Testing

extension Lab2 {
    /// 6.824 Lab 2C: persistence across crashes (spec §2.5).
    @Suite(.timeLimit(.minutes(3))) struct Lab2CPersistenceTests {
        // The tests, in real time; the bodies below also run in virtual time (Lab2Virtual).
        @Test func persist12C() async throws { try await LabEnvironment.runRealTime { try await Self.persist12C(in: $0) } }
        @Test func persist22C() async throws { try await LabEnvironment.runRealTime { try await Self.persist22C(in: $0) } }
        @Test func persist32C() async throws { try await LabEnvironment.runRealTime { try await Self.persist32C(in: $0) } }
        @Test func figure82C() async throws { try await LabEnvironment.runRealTime { try await Self.figure82C(in: $0) } }
        @Test func unreliableAgree2C() async throws { try await LabEnvironment.runRealTime { try await Self.unreliableAgree2C(in: $0) } }
        @Test func figure8Unreliable2C() async throws { try await LabEnvironment.runRealTime { try await Self.figure8Unreliable2C(in: $0) } }
        @Test(arguments: [false, true]) func churn2C(unreliable: Bool) async throws {
            try await LabEnvironment.runRealTime { try await Self.churn2C(in: $0, unreliable: unreliable) }
        }

        static func command(_ value: Int) -> [UInt8] { LabCommand.encode(value) }

        static func persist12C(in env: LabEnvironment) async throws {
            let cluster = try await RaftLabCluster(servers: 3, unreliable: false, snapshot: false, environment: env)
            await cluster.beginPart("basic persistence (2C)")
            try await cluster.one(Self.command(11), expected: 3, retry: true)
            // Crash and re-start all.
            for i in 0..<3 { try await cluster.start1(i) }
            for i in 0..<3 {
                await cluster.disconnect(i)
                await cluster.connect(i)
            }
            try await cluster.one(Self.command(12), expected: 3, retry: true)
            let leader1 = try await cluster.checkOneLeader()
            await cluster.disconnect(leader1)
            try await cluster.start1(leader1)
            await cluster.connect(leader1)
            try await cluster.one(Self.command(13), expected: 3, retry: true)
            let leader2 = try await cluster.checkOneLeader()
            await cluster.disconnect(leader2)
            try await cluster.one(Self.command(14), expected: 2, retry: true)
            try await cluster.start1(leader2)
            await cluster.connect(leader2)
            _ = try await cluster.wait(4, count: 3, startTerm: nil)  // the restarted leader catches up
            let i3 = (try await cluster.checkOneLeader() + 1) % 3
            await cluster.disconnect(i3)
            try await cluster.one(Self.command(15), expected: 2, retry: true)
            try await cluster.start1(i3)
            await cluster.connect(i3)
            try await cluster.one(Self.command(16), expected: 3, retry: true)
            try await cluster.end()
            await cluster.cleanup()
        }

        static func persist22C(in env: LabEnvironment) async throws {
            let servers = 5
            let cluster = try await RaftLabCluster(servers: servers, unreliable: false, snapshot: false, environment: env)
            await cluster.beginPart("more persistence (2C)")
            var index = 1
            for _ in 0..<5 {
                try await cluster.one(Self.command(10 + index), expected: servers, retry: true)
                index += 1
                let leader1 = try await cluster.checkOneLeader()
                await cluster.disconnect((leader1 + 1) % servers)
                await cluster.disconnect((leader1 + 2) % servers)
                try await cluster.one(Self.command(10 + index), expected: servers - 2, retry: true)
                index += 1
                await cluster.disconnect((leader1 + 0) % servers)
                await cluster.disconnect((leader1 + 3) % servers)
                await cluster.disconnect((leader1 + 4) % servers)
                try await cluster.start1((leader1 + 1) % servers)
                try await cluster.start1((leader1 + 2) % servers)
                await cluster.connect((leader1 + 1) % servers)
                await cluster.connect((leader1 + 2) % servers)
                try await cluster.sleep(for: RaftLabCluster.electionTimeout)
                try await cluster.start1((leader1 + 3) % servers)
                await cluster.connect((leader1 + 3) % servers)
                try await cluster.one(Self.command(10 + index), expected: servers - 2, retry: true)
                index += 1
                await cluster.connect((leader1 + 4) % servers)
                await cluster.connect((leader1 + 0) % servers)
            }
            try await cluster.one(Self.command(1000), expected: servers, retry: true)
            try await cluster.end()
            await cluster.cleanup()
        }

        static func persist32C(in env: LabEnvironment) async throws {
            let cluster = try await RaftLabCluster(servers: 3, unreliable: false, snapshot: false, environment: env)
            await cluster.beginPart("partitioned leader and one follower crash, leader restarts (2C)")
            try await cluster.one(Self.command(101), expected: 3, retry: true)
            let leader = try await cluster.checkOneLeader()
            await cluster.disconnect((leader + 2) % 3)
            try await cluster.one(Self.command(102), expected: 2, retry: true)
            await cluster.crash1((leader + 0) % 3)
            await cluster.crash1((leader + 1) % 3)
            await cluster.connect((leader + 2) % 3)
            try await cluster.start1((leader + 0) % 3)
            await cluster.connect((leader + 0) % 3)
            try await cluster.one(Self.command(103), expected: 2, retry: true)
            try await cluster.start1((leader + 1) % 3)
            await cluster.connect((leader + 1) % 3)
            try await cluster.one(Self.command(104), expected: 3, retry: true)
            try await cluster.end()
            await cluster.cleanup()
        }

        /// Figure 8: leaders crash right after accepting commands; the new leader must never
        /// commit an old-term entry by counting replicas.
        static func figure82C(in env: LabEnvironment) async throws {
            let servers = 5
            let cluster = try await RaftLabCluster(servers: servers, unreliable: false, snapshot: false, environment: env)
            await cluster.beginPart("Figure 8 (2C)")
            try await cluster.one(Self.command(await cluster.randomInt(10_000)), expected: 1, retry: true)
            var up = servers
            for _ in 0..<1000 {
                var leader = -1
                for i in 0..<servers {
                    if let r = await cluster.propose(i, Self.command(await cluster.randomInt(10_000))), r.isLeader { leader = i }
                }
                if await cluster.randomInt(1000) < 100 {
                    try await cluster.sleep(for: .milliseconds(await cluster.randomInt(RaftLabCluster.electionTimeoutMilliseconds / 2)))
                } else {
                    try await cluster.sleep(for: .milliseconds(await cluster.randomInt(13)))
                }
                if leader != -1 {
                    await cluster.crash1(leader)
                    up -= 1
                }
                if up < 3 {
                    let s = await cluster.randomInt(servers)
                    if await !cluster.isAlive(s) {
                        try await cluster.start1(s)
                        await cluster.connect(s)
                        up += 1
                    }
                }
            }
            for i in 0..<servers where await !cluster.isAlive(i) {
                try await cluster.start1(i)
                await cluster.connect(i)
            }
            try await cluster.one(Self.command(await cluster.randomInt(10_000)), expected: servers, retry: true)
            try await cluster.end()
            await cluster.cleanup()
        }

        static func unreliableAgree2C(in env: LabEnvironment) async throws {
            let servers = 5
            let cluster = try await RaftLabCluster(servers: servers, unreliable: true, snapshot: false, environment: env)
            await cluster.beginPart("unreliable agreement (2C)")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for iteration in 1..<50 {
                    for j in 0..<4 {
                        group.addTask { try await cluster.one(Self.command(100 * iteration + j), expected: 1, retry: true) }
                    }
                    try await cluster.one(Self.command(iteration), expected: 1, retry: true)
                }
                await cluster.setReliable(true)
                try await group.waitForAll()
            }
            try await cluster.one(Self.command(100), expected: servers, retry: true)
            try await cluster.end()
            await cluster.cleanup()
        }

        static func figure8Unreliable2C(in env: LabEnvironment) async throws {
            let servers = 5
            let cluster = try await RaftLabCluster(servers: servers, unreliable: true, snapshot: false, environment: env)
            await cluster.beginPart("Figure 8 (unreliable) (2C)")
            try await cluster.one(Self.command(await cluster.randomInt(10_000)), expected: 1, retry: true)
            var nup = servers
            for iteration in 0..<1000 {
                if iteration == 200 { await cluster.setLongReordering(true) }
                var leader = -1
                for i in 0..<servers {
                    if let r = await cluster.propose(i, Self.command(await cluster.randomInt(10_000))), r.isLeader,
                        await cluster.isConnected(i)
                    {
                        leader = i
                    }
                }
                if await cluster.randomInt(1000) < 100 {
                    try await cluster.sleep(for: .milliseconds(await cluster.randomInt(RaftLabCluster.electionTimeoutMilliseconds / 2)))
                } else {
                    try await cluster.sleep(for: .milliseconds(await cluster.randomInt(13)))
                }
                let coin = await cluster.randomInt(1000)
                if leader != -1 && coin < 500 {  // disconnect the leader half of the time
                    await cluster.disconnect(leader)
                    nup -= 1
                }
                if nup < 3 {
                    let s = await cluster.randomInt(servers)
                    if await !cluster.isConnected(s) {
                        await cluster.connect(s)
                        nup += 1
                    }
                }
            }
            for i in 0..<servers where await !cluster.isConnected(i) { await cluster.connect(i) }
            try await cluster.one(Self.command(await cluster.randomInt(10_000)), expected: servers, retry: true)
            try await cluster.end()
            await cluster.cleanup()
        }

        static func churn2C(in env: LabEnvironment, unreliable: Bool) async throws {
            let servers = 5
            let cluster = try await RaftLabCluster(servers: servers, unreliable: unreliable, snapshot: false, environment: env)
            await cluster.beginPart(unreliable ? "unreliable churn (2C)" : "churn (2C)")
            let stop = StopFlag()
            let recorded = try await withThrowingTaskGroup(of: [Int].self) { group in
                for client in 0..<3 {
                    group.addTask {
                        var values: [Int] = []
                        while !stop.isSet {
                            let x = await cluster.randomInt(1 << 30)
                            var index: UInt64?
                            for i in 0..<servers {
                                if let r = await cluster.propose(i, Self.command(x)), r.isLeader { index = r.index }
                            }
                            if let index {
                                for pause in [10, 20, 50, 100, 200] {
                                    let (count, command) = try await cluster.nCommitted(index)
                                    if count > 0 {
                                        if command == Self.command(x) { values.append(x) }
                                        break
                                    }
                                    try await cluster.sleep(for: .milliseconds(pause))
                                }
                            } else {
                                try await cluster.sleep(for: .milliseconds(79 + client * 17))
                            }
                        }
                        return values
                    }
                }
                for _ in 0..<20 {
                    if await cluster.randomInt(1000) < 200 { await cluster.disconnect(await cluster.randomInt(servers)) }
                    if await cluster.randomInt(1000) < 500 {
                        let i = await cluster.randomInt(servers)
                        if await !cluster.isAlive(i) { try await cluster.start1(i) }
                        await cluster.connect(i)
                    }
                    if await cluster.randomInt(1000) < 200 {
                        let i = await cluster.randomInt(servers)
                        if await cluster.isAlive(i) { await cluster.crash1(i) }
                    }
                    // Bounded by the lab's 700 ms, shortened to keep clients' view fresh.
                    try await cluster.sleep(for: .milliseconds(700))
                }
                try await cluster.sleep(for: RaftLabCluster.electionTimeout)
                await cluster.setReliable(true)
                for i in 0..<servers {
                    if await !cluster.isAlive(i) { try await cluster.start1(i) }
                    await cluster.connect(i)
                }
                stop.set()
                var all: [Int] = []
                for try await values in group { all += values }
                return all
            }
            try await cluster.sleep(for: RaftLabCluster.electionTimeout)
            let lastIndex = try await cluster.one(Self.command(await cluster.randomInt(1 << 30)), expected: servers, retry: true)
            var really: [Int] = []
            for index in 1...lastIndex {
                if let command = try await cluster.wait(index, count: servers, startTerm: nil), let value = LabCommand.decode(command) {
                    really.append(value)
                }
            }
            for value in recorded { #expect(really.contains(value), "didn't find a value \(value)") }
            try await cluster.end()
            await cluster.cleanup()
        }
    }
}

/// A flag the churn clients poll.
final class StopFlag: Sendable {
    private let flag = Atomic(false)
    var isSet: Bool { flag.load(ordering: .relaxed) }
    func set() { flag.store(true, ordering: .relaxed) }
}
