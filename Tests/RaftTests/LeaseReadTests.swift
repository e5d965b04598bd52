import Testing

@testable import Raft

/// Lease-based reads (`ReadOnlyOption.leaseBased`, Raft thesis §6.4.1): a leader whose last
/// heartbeat round was acknowledged by a quorum answers reads without a round until the lease
/// runs out; voters honour the lease, also right after they start.
@Suite struct LeaseReadTests {
    /// Election timeout 10 ticks, 10 % drift: the lease lasts 10 × 100 / 110 − 1 = 8 ticks.
    static func leased(_ config: inout Config) {
        config.readOnlyOption = .leaseBased(maxClockDriftPercent: 10)
    }

    static func heartbeats(_ c: TestCluster, context: String) -> Int {
        c.inFlight.filter { $0.type == .heartbeat && $0.context == .bytes(context) }.count
    }

    @Test func leaseAnswersWithoutARoundUntilItRunsOut() throws {
        let c = TestCluster(seed: 41, configure: Self.leased)
        let l = c.electLeader()
        c.propose(.bytes("a"))
        #expect(c[l].leaseTicks == 8)
        // The first read needs a round; its quorum starts the lease.
        try c.nodes[l]!.readIndex(context: .bytes("r1"))
        c.processAllReady()
        #expect(c.readStates[l, default: []].isEmpty)
        #expect(Self.heartbeats(c, context: "r1") == 2)
        c.stabilize()
        #expect(c.readStates[l]?.last == ReadState(index: c[l].commitIndex, context: .bytes("r1")))
        // Within the lease: answered at once, no heartbeat.
        c.tick(l, times: 7)
        c.stabilize()
        try c.nodes[l]!.readIndex(context: .bytes("r2"))
        #expect(Self.heartbeats(c, context: "r2") == 0)
        #expect(c[l].readStates == [ReadState(index: c[l].commitIndex, context: .bytes("r2"))])
        c.stabilize()
        // The lease ran out (8 ticks after the round that confirmed it): a round again.
        c.tick(l)
        c.stabilize()
        try c.nodes[l]!.readIndex(context: .bytes("r3"))
        #expect(c[l].readStates.isEmpty)
        c.processAllReady()
        #expect(Self.heartbeats(c, context: "r3") == 2)
        c.stabilize()
        #expect(c.readStates[l]?.last?.context == .bytes("r3"))
    }

    /// A leadership transfer voids the lease (its `timeoutNow` overrides the voters' lease).
    @Test func transferVoidsTheLease() throws {
        let c = TestCluster(seed: 42, configure: Self.leased)
        let l = c.electLeader()
        c.propose(.bytes("a"))
        try c.nodes[l]!.readIndex(context: .bytes("r1"))
        c.stabilize()
        #expect(c[l].holdsLease)
        let target = c.ids.first { $0 != l }!
        try c.nodes[l]!.transferLeadership(to: target)
        #expect(!c[l].holdsLease)
        // Aborting the transfer does not bring the lease back once timeoutNow went out.
        c.stabilize()
        #expect(!c[l].holdsLease)
    }

    /// Voters refuse votes during their first election timeout: before a restart they may
    /// have acknowledged a lease that still runs.
    @Test func freshVotersRefuseVotesForAnElectionTimeout() throws {
        let c = TestCluster(seed: 43, configure: Self.leased)
        c.nodes[1]!.campaign()
        c.stabilize()
        #expect(c[1].role != .leader)
        // After the election timeout, an election succeeds.
        _ = c.electLeader()
        // A restarted voter refuses again.
        let l = c.leader!
        let follower = c.ids.first { $0 != l }!
        c.crash(follower)
        c.start(follower)
        #expect(c[follower].startingUnderLeases)
        c.tick(follower, times: 10)
        #expect(!c[follower].startingUnderLeases)
    }

    @Test func leaseReadsNeedCheckQuorum() {
        var config = Config(id: 1, electionTimeoutTicks: 10, checkQuorum: false)
        config.readOnlyOption = .leaseBased(maxClockDriftPercent: 10)
        #expect(throws: ConfigError.leaseReadsNeedCheckQuorum) { try config.validate() }
        config.checkQuorum = true
        config.readOnlyOption = .leaseBased(maxClockDriftPercent: 101)
        #expect(throws: ConfigError.clockDriftOutOfRange(percent: 101)) { try config.validate() }
    }
}
