import Testing

extension Lab2 {
    /// 6.824 Lab 2D: snapshots and log compaction (spec §2.6), with the 2022 strict applier:
    /// commands must arrive at exactly lastApplied + 1, the tester snapshots every 10 commands,
    /// and the persisted Raft state must stay under 2000 bytes.
    @Suite(.timeLimit(.minutes(3))) struct Lab2DSnapshotTests {
        // The tests, in real time; the bodies below also run in virtual time (Lab2Virtual).
        @Test func snapshotBasic2D() async throws { try await LabEnvironment.runRealTime { try await Self.snapshotBasic2D(in: $0) } }
        @Test func snapshotInstall2D() async throws { try await LabEnvironment.runRealTime { try await Self.snapshotInstall2D(in: $0) } }
        @Test func snapshotInstallUnreliable2D() async throws { try await LabEnvironment.runRealTime { try await Self.snapshotInstallUnreliable2D(in: $0) } }
        @Test func snapshotInstallCrash2D() async throws { try await LabEnvironment.runRealTime { try await Self.snapshotInstallCrash2D(in: $0) } }
        @Test func snapshotInstallUnCrash2D() async throws { try await LabEnvironment.runRealTime { try await Self.snapshotInstallUnCrash2D(in: $0) } }
        @Test func snapshotAllCrash2D() async throws { try await LabEnvironment.runRealTime { try await Self.snapshotAllCrash2D(in: $0) } }

        static let maxLogSize = 2000

        static func command(_ value: Int) -> [UInt8] { LabCommand.encode(value) }

        static func snapcommon(_ env: LabEnvironment, _ name: String, disconnect: Bool, reliable: Bool, crash: Bool) async throws {
            let iterations = 30
            let servers = 3
            let cluster = try await RaftLabCluster(servers: servers, unreliable: !reliable, snapshot: true, environment: env)
            await cluster.beginPart(name)
            try await cluster.one(Self.command(await cluster.randomInt(1 << 30)), expected: servers, retry: true)
            var leader1 = try await cluster.checkOneLeader()
            for i in 0..<iterations {
                var victim = (leader1 + 1) % servers
                var sender = leader1
                if i % 3 == 1 {
                    sender = (leader1 + 1) % servers
                    victim = leader1
                }
                if disconnect {
                    await cluster.disconnect(victim)
                    try await cluster.one(Self.command(await cluster.randomInt(1 << 30)), expected: servers - 1, retry: true)
                }
                if crash {
                    await cluster.crash1(victim)
                    try await cluster.one(Self.command(await cluster.randomInt(1 << 30)), expected: servers - 1, retry: true)
                }
                // Enough commands to cause a snapshot.
                let burst = 5 + (await cluster.randomInt(10))
                for _ in 0..<burst {
                    _ = await cluster.propose(sender, Self.command(await cluster.randomInt(1 << 30)))
                }
                // Let the applier threads catch up with the Start()s.
                if !disconnect && !crash {
                    // Make sure all followers have caught up, so that an InstallSnapshot RPC isn't required.
                    try await cluster.one(Self.command(await cluster.randomInt(1 << 30)), expected: servers, retry: true)
                } else {
                    try await cluster.one(Self.command(await cluster.randomInt(1 << 30)), expected: servers - 1, retry: true)
                }
                let size = await cluster.logSize()
                #expect(size < Self.maxLogSize, "log size too large: \(size)")
                if disconnect {
                    // Reconnect a follower, who may be behind and need to receive a snapshot.
                    await cluster.connect(victim)
                    try await cluster.one(Self.command(await cluster.randomInt(1 << 30)), expected: servers, retry: true)
                    leader1 = try await cluster.checkOneLeader()
                }
                if crash {
                    try await cluster.start1(victim)
                    await cluster.connect(victim)
                    try await cluster.one(Self.command(await cluster.randomInt(1 << 30)), expected: servers, retry: true)
                    leader1 = try await cluster.checkOneLeader()
                }
            }
            try await cluster.end()
            await cluster.cleanup()
        }

        static func snapshotBasic2D(in env: LabEnvironment) async throws {
            try await snapcommon(env, "snapshots basic (2D)", disconnect: false, reliable: true, crash: false)
        }

        static func snapshotInstall2D(in env: LabEnvironment) async throws {
            try await snapcommon(env, "install snapshots (disconnect) (2D)", disconnect: true, reliable: true, crash: false)
        }

        static func snapshotInstallUnreliable2D(in env: LabEnvironment) async throws {
            try await snapcommon(env, "install snapshots (disconnect+unreliable) (2D)", disconnect: true, reliable: false, crash: false)
        }

        static func snapshotInstallCrash2D(in env: LabEnvironment) async throws {
            try await snapcommon(env, "install snapshots (crash) (2D)", disconnect: false, reliable: true, crash: true)
        }

        static func snapshotInstallUnCrash2D(in env: LabEnvironment) async throws {
            try await snapcommon(env, "install snapshots (unreliable+crash) (2D)", disconnect: false, reliable: false, crash: true)
        }

        /// A full-cluster crash: the snapshot plus the log tail survive it.
        static func snapshotAllCrash2D(in env: LabEnvironment) async throws {
            let servers = 3
            let cluster = try await RaftLabCluster(servers: servers, unreliable: false, snapshot: true, environment: env)
            await cluster.beginPart("crash and restart all servers (2D)")
            try await cluster.one(Self.command(await cluster.randomInt(1 << 30)), expected: servers, retry: true)
            for _ in 0..<5 {
                // Perhaps enough to get a snapshot.
                let burst = 5 + (await cluster.randomInt(10))
                for _ in 0..<burst {
                    try await cluster.one(Self.command(await cluster.randomInt(1 << 30)), expected: servers, retry: true)
                }
                let index1 = try await cluster.one(Self.command(await cluster.randomInt(1 << 30)), expected: servers, retry: true)
                // Crash all.
                for i in 0..<servers { await cluster.crash1(i) }
                // Revive all.
                for i in 0..<servers {
                    try await cluster.start1(i)
                    await cluster.connect(i)
                }
                let index2 = try await cluster.one(Self.command(await cluster.randomInt(1 << 30)), expected: servers, retry: true)
                #expect(index2 >= index1 + 1, "index decreased from \(index1) to \(index2)")
            }
            try await cluster.end()
            await cluster.cleanup()
        }
    }
}
