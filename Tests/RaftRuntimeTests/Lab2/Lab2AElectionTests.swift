import Testing

extension Lab2 {
    /// 6.824 Lab 2A: leader election, on a reliable simulated network (spec §2.3).
    @Suite(.timeLimit(.minutes(2))) struct Lab2AElectionTests {
        // The tests, in real time; the bodies below also run in virtual time (Lab2Virtual).
        @Test func initialElection2A() async throws { try await LabEnvironment.runRealTime { try await Self.initialElection2A(in: $0) } }
        @Test func reElection2A() async throws { try await LabEnvironment.runRealTime { try await Self.reElection2A(in: $0) } }
        @Test func manyElections2A() async throws { try await LabEnvironment.runRealTime { try await Self.manyElections2A(in: $0) } }

        static func initialElection2A(in env: LabEnvironment) async throws {
            let cluster = try await RaftLabCluster(servers: 3, unreliable: false, snapshot: false, environment: env)
            await cluster.beginPart("initial election (2A)")
            _ = try await cluster.checkOneLeader()
            // After a short while all servers agree on a term of at least 1.
            try await cluster.sleep(for: .milliseconds(50))
            let term1 = try await cluster.checkTerms()
            #expect(term1 >= 1, "term is \(term1), but should be at least 1")
            // With no failures, the term should not change (a warning only, as in the lab).
            try await cluster.sleep(for: RaftLabCluster.electionTimeout * 2)
            let term2 = try await cluster.checkTerms()
            if term1 != term2 { print("warning: term changed even though there were no failures") }
            _ = try await cluster.checkOneLeader()
            try await cluster.end()
            await cluster.cleanup()
        }

        static func reElection2A(in env: LabEnvironment) async throws {
            let cluster = try await RaftLabCluster(servers: 3, unreliable: false, snapshot: false, environment: env)
            await cluster.beginPart("election after network failure (2A)")
            let leader1 = try await cluster.checkOneLeader()
            // The leader disconnects: a new one is elected.
            await cluster.disconnect(leader1)
            _ = try await cluster.checkOneLeader()
            // The old leader rejoins: it must not disturb the new leader.
            await cluster.connect(leader1)
            let leader2 = try await cluster.checkOneLeader()
            // No quorum: no leader.
            await cluster.disconnect(leader2)
            await cluster.disconnect((leader2 + 1) % 3)
            try await cluster.sleep(for: RaftLabCluster.electionTimeout * 2)
            try await cluster.checkNoLeader()
            // A quorum again: a leader.
            await cluster.connect((leader2 + 1) % 3)
            _ = try await cluster.checkOneLeader()
            // The last node rejoins: still a leader.
            await cluster.connect(leader2)
            _ = try await cluster.checkOneLeader()
            try await cluster.end()
            await cluster.cleanup()
        }

        static func manyElections2A(in env: LabEnvironment) async throws {
            let servers = 7
            let cluster = try await RaftLabCluster(servers: servers, unreliable: false, snapshot: false, environment: env)
            await cluster.beginPart("multiple elections (2A)")
            _ = try await cluster.checkOneLeader()
            for _ in 0..<10 {
                let i1 = await cluster.randomInt(servers)
                let i2 = await cluster.randomInt(servers)
                let i3 = await cluster.randomInt(servers)
                await cluster.disconnect(i1)
                await cluster.disconnect(i2)
                await cluster.disconnect(i3)
                // Either the current leader is still alive, or the remaining four elect one.
                _ = try await cluster.checkOneLeader()
                await cluster.connect(i1)
                await cluster.connect(i2)
                await cluster.connect(i3)
            }
            _ = try await cluster.checkOneLeader()
            try await cluster.end()
            await cluster.cleanup()
        }
    }
}
