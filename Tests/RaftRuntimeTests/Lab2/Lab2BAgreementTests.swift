import Testing

extension Lab2 {
    /// 6.824 Lab 2B: log replication (spec §2.4), reliable network.
    @Suite(.timeLimit(.minutes(2))) struct Lab2BAgreementTests {
        // The tests, in real time; the bodies below also run in virtual time (Lab2Virtual).
        @Test func basicAgree2B() async throws { try await LabEnvironment.runRealTime { try await Self.basicAgree2B(in: $0) } }
        @Test func rpcBytes2B() async throws { try await LabEnvironment.runRealTime { try await Self.rpcBytes2B(in: $0) } }
        @Test func failAgree2B() async throws { try await LabEnvironment.runRealTime { try await Self.failAgree2B(in: $0) } }
        @Test func failNoAgree2B() async throws { try await LabEnvironment.runRealTime { try await Self.failNoAgree2B(in: $0) } }
        @Test func concurrentStarts2B() async throws { try await LabEnvironment.runRealTime { try await Self.concurrentStarts2B(in: $0) } }
        @Test func rejoin2B() async throws { try await LabEnvironment.runRealTime { try await Self.rejoin2B(in: $0) } }
        @Test func backup2B() async throws { try await LabEnvironment.runRealTime { try await Self.backup2B(in: $0) } }
        @Test func count2B() async throws { try await LabEnvironment.runRealTime { try await Self.count2B(in: $0) } }

        static func command(_ value: Int) -> [UInt8] { LabCommand.encode(value) }

        static func basicAgree2B(in env: LabEnvironment) async throws {
            let cluster = try await RaftLabCluster(servers: 3, unreliable: false, snapshot: false, environment: env)
            await cluster.beginPart("basic agreement (2B)")
            for index in 1...3 {
                let (committed, _) = try await cluster.nCommitted(UInt64(index))
                #expect(committed == 0, "some have committed before Start()")
                let xindex = try await cluster.one(Self.command(index * 100), expected: 3, retry: false)
                #expect(xindex == UInt64(index), "got index \(xindex) but expected \(index)")
            }
            try await cluster.end()
            await cluster.cleanup()
        }

        static func rpcBytes2B(in env: LabEnvironment) async throws {
            let cluster = try await RaftLabCluster(servers: 3, unreliable: false, snapshot: false, environment: env)
            await cluster.beginPart("RPC byte count (2B)")
            try await cluster.one(Self.command(99), expected: 3, retry: false)
            let bytes0 = await cluster.bytesTotal()
            var sent = 0
            for index in 2..<12 {
                var command = [UInt8](repeating: 0, count: 5000)
                for k in command.indices { command[k] = UInt8(97 + (index * 31 + k * 7) % 26) }
                let xindex = try await cluster.one(command, expected: 3, retry: false)
                #expect(xindex == UInt64(index), "got index \(xindex) but expected \(index)")
                sent += command.count
            }
            let got = await cluster.bytesTotal() - bytes0
            let expected = 3 * sent
            #expect(got <= expected + 50_000, "too many RPC bytes; got \(got), expected \(expected)")
            try await cluster.end()
            await cluster.cleanup()
        }

        static func failAgree2B(in env: LabEnvironment) async throws {
            let cluster = try await RaftLabCluster(servers: 3, unreliable: false, snapshot: false, environment: env)
            await cluster.beginPart("agreement after follower reconnects (2B)")
            try await cluster.one(Self.command(101), expected: 3, retry: false)
            let leader = try await cluster.checkOneLeader()
            await cluster.disconnect((leader + 1) % 3)
            try await cluster.one(Self.command(102), expected: 2, retry: false)
            try await cluster.one(Self.command(103), expected: 2, retry: false)
            try await cluster.sleep(for: RaftLabCluster.electionTimeout)
            try await cluster.one(Self.command(104), expected: 2, retry: false)
            try await cluster.one(Self.command(105), expected: 2, retry: false)
            await cluster.connect((leader + 1) % 3)
            try await cluster.one(Self.command(106), expected: 3, retry: true)
            try await cluster.sleep(for: RaftLabCluster.electionTimeout)
            try await cluster.one(Self.command(107), expected: 3, retry: true)
            try await cluster.end()
            await cluster.cleanup()
        }

        static func failNoAgree2B(in env: LabEnvironment) async throws {
            let servers = 5
            let cluster = try await RaftLabCluster(servers: servers, unreliable: false, snapshot: false, environment: env)
            await cluster.beginPart("no agreement if too many followers disconnect (2B)")
            try await cluster.one(Self.command(10), expected: servers, retry: false)
            let leader = try await cluster.checkOneLeader()
            await cluster.disconnect((leader + 1) % servers)
            await cluster.disconnect((leader + 2) % servers)
            await cluster.disconnect((leader + 3) % servers)
            let result = await cluster.propose(leader, Self.command(20))
            #expect(result?.isLeader == true, "leader rejected Start()")
            #expect(result?.index == 2, "expected index 2, got \(String(describing: result?.index))")
            try await cluster.sleep(for: RaftLabCluster.electionTimeout * 2)
            let (committed, _) = try await cluster.nCommitted(2)
            #expect(committed == 0, "\(committed) committed but no majority")
            await cluster.connect((leader + 1) % servers)
            await cluster.connect((leader + 2) % servers)
            await cluster.connect((leader + 3) % servers)
            // The disconnected majority may have chosen a leader from among themselves.
            let leader2 = try await cluster.checkOneLeader()
            let again = await cluster.propose(leader2, Self.command(30))
            #expect(again?.isLeader == true, "leader2 rejected Start()")
            if let index = again?.index { #expect(index >= 2 && index <= 3, "unexpected index \(index)") }
            try await cluster.one(Self.command(1000), expected: servers, retry: true)
            try await cluster.end()
            await cluster.cleanup()
        }

        static func concurrentStarts2B(in env: LabEnvironment) async throws {
            let cluster = try await RaftLabCluster(servers: 3, unreliable: false, snapshot: false, environment: env)
            await cluster.beginPart("concurrent Start()s (2B)")
            var success = false
            attempts: for attempt in 0..<5 {
                if attempt > 0 { try await cluster.sleep(for: .seconds(3)) }
                let leader = try await cluster.checkOneLeader()
                guard let first = await cluster.propose(leader, Self.command(1)), first.isLeader else { continue }
                let term = first.term
                let indices = await withTaskGroup(of: UInt64?.self) { group in
                    for i in 0..<5 {
                        group.addTask {
                            guard let r = await cluster.propose(leader, Self.command(100 + i)), r.isLeader, r.term == term else { return nil }
                            return r.index
                        }
                    }
                    var all: [UInt64] = []
                    for await index in group { if let index { all.append(index) } }
                    return all
                }
                for j in 0..<3 {
                    if let state = await cluster.state(j), state.term != term { continue attempts }
                }
                var values: [Int] = []
                for index in indices {
                    guard let command = try await cluster.wait(index, count: 3, startTerm: term) else { continue attempts }
                    if let value = LabCommand.decode(command) { values.append(value) }
                }
                for i in 0..<5 where indices.count == 5 {
                    #expect(values.contains(100 + i), "cmd \(100 + i) missing in \(values)")
                }
                if indices.count == 5 { success = true; break }
            }
            #expect(success, "term changed too often")
            try await cluster.end()
            await cluster.cleanup()
        }

        static func rejoin2B(in env: LabEnvironment) async throws {
            let cluster = try await RaftLabCluster(servers: 3, unreliable: false, snapshot: false, environment: env)
            await cluster.beginPart("rejoin of partitioned leader (2B)")
            try await cluster.one(Self.command(101), expected: 3, retry: true)
            let leader1 = try await cluster.checkOneLeader()
            await cluster.disconnect(leader1)
            _ = await cluster.propose(leader1, Self.command(102))
            _ = await cluster.propose(leader1, Self.command(103))
            _ = await cluster.propose(leader1, Self.command(104))
            try await cluster.one(Self.command(103), expected: 2, retry: true)
            let leader2 = try await cluster.checkOneLeader()
            await cluster.disconnect(leader2)
            await cluster.connect(leader1)
            try await cluster.one(Self.command(104), expected: 2, retry: true)
            await cluster.connect(leader2)
            try await cluster.one(Self.command(105), expected: 3, retry: true)
            try await cluster.end()
            await cluster.cleanup()
        }

        static func backup2B(in env: LabEnvironment) async throws {
            let servers = 5
            let cluster = try await RaftLabCluster(servers: servers, unreliable: false, snapshot: false, environment: env)
            await cluster.beginPart("leader backs up quickly over incorrect follower logs (2B)")
            try await cluster.one(Self.command(await cluster.randomInt(1 << 30)), expected: servers, retry: true)
            // The leader and one follower are partitioned off.
            let leader1 = try await cluster.checkOneLeader()
            await cluster.disconnect((leader1 + 2) % servers)
            await cluster.disconnect((leader1 + 3) % servers)
            await cluster.disconnect((leader1 + 4) % servers)
            for _ in 0..<50 { _ = await cluster.propose(leader1, Self.command(await cluster.randomInt(1 << 30))) }
            try await cluster.sleep(for: RaftLabCluster.electionTimeout / 2)
            await cluster.disconnect((leader1 + 0) % servers)
            await cluster.disconnect((leader1 + 1) % servers)
            // The other partition gets a new leader and many commands.
            await cluster.connect((leader1 + 2) % servers)
            await cluster.connect((leader1 + 3) % servers)
            await cluster.connect((leader1 + 4) % servers)
            for _ in 0..<50 { try await cluster.one(Self.command(await cluster.randomInt(1 << 30)), expected: 3, retry: true) }
            // Its leader and one more get more uncommittable commands.
            let leader2 = try await cluster.checkOneLeader()
            var other = (leader1 + 2) % servers
            if leader2 == other { other = (leader2 + 1) % servers }
            await cluster.disconnect(other)
            for _ in 0..<50 { _ = await cluster.propose(leader2, Self.command(await cluster.randomInt(1 << 30))) }
            try await cluster.sleep(for: RaftLabCluster.electionTimeout / 2)
            // The original leader's partition comes back, with "other".
            for i in 0..<servers { await cluster.disconnect(i) }
            await cluster.connect((leader1 + 0) % servers)
            await cluster.connect((leader1 + 1) % servers)
            await cluster.connect(other)
            for _ in 0..<50 { try await cluster.one(Self.command(await cluster.randomInt(1 << 30)), expected: 3, retry: true) }
            for i in 0..<servers { await cluster.connect(i) }
            try await cluster.one(Self.command(await cluster.randomInt(1 << 30)), expected: servers, retry: true)
            try await cluster.end()
            await cluster.cleanup()
        }

        static func count2B(in env: LabEnvironment) async throws {
            let cluster = try await RaftLabCluster(servers: 3, unreliable: false, snapshot: false, environment: env)
            await cluster.beginPart("RPC counts aren't too high (2B)")
            func rpcs() async -> Int {
                var total = 0
                for j in 0..<3 { total += await cluster.rpcCount(j) }
                return total
            }
            let leader = try await cluster.checkOneLeader()
            let electionRPCs = await rpcs()
            #expect(electionRPCs <= 30 && electionRPCs >= 1, "too many or too few RPCs (\(electionRPCs)) to elect initial leader")

            var total2 = 0
            var success = false
            attempts: for attempt in 0..<5 {
                if attempt > 0 { try await cluster.sleep(for: .seconds(3)) }
                let leader = try await cluster.checkOneLeader()
                let total1 = await rpcs()
                let iterations = 10
                guard let first = await cluster.propose(leader, Self.command(1)), first.isLeader else { continue }
                let (starti, term) = (first.index, first.term)
                var commands: [Int] = []
                for i in 1..<(iterations + 2) {
                    let x = await cluster.randomInt(1 << 30)
                    commands.append(x)
                    guard let r = await cluster.propose(leader, Self.command(x)), r.term == term else { continue attempts }
                    guard r.isLeader else { continue attempts }
                    #expect(r.index == starti + UInt64(i), "Start() failed")
                }
                for i in 1..<(iterations + 1) {
                    guard let command = try await cluster.wait(starti + UInt64(i), count: 3, startTerm: term) else { continue attempts }
                    #expect(command == Self.command(commands[i - 1]), "wrong value committed for index \(starti + UInt64(i))")
                }
                for j in 0..<3 {
                    if let state = await cluster.state(j), state.term != term { continue attempts }
                }
                total2 = await rpcs()
                let limit = (iterations + 1 + 3) * 3
                #expect(total2 - total1 <= limit, "too many RPCs (\(total2 - total1)) for \(iterations) entries")
                success = true
                break
            }
            #expect(success, "term changed too often")
            _ = leader
            try await cluster.sleep(for: RaftLabCluster.electionTimeout)
            let total3 = await rpcs()
            #expect(total3 - total2 <= 3 * 20, "too many RPCs (\(total3 - total2)) for 1 second of idleness")
            try await cluster.end()
            await cluster.cleanup()
        }
    }
}
