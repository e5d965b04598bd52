import Raft
import RaftRuntime
import Simulation
import Testing

/// The service-facing API on top of the lab API: `status()`, `readIndex(timeout:)`,
/// `transferLeadership(to:)`, on three peers over `InProcessTransport`.
@Suite("RaftPeer API")
struct RaftPeerAPITests {
    static func memoryCluster(configuration: RaftPeer.Configuration = InProcessRaftCluster.fastConfiguration) throws
        -> InProcessRaftCluster
    {
        try InProcessRaftCluster(n: 3, configuration: configuration) { id in
            BlobRaftLogStore(LabStore(persister: SimulatedPersister()), voters: [1, 2, 3])
        }
    }

    @Test func statusReportsLeaderAndIndices() async throws {
        let cluster = try Self.memoryCluster()
        await cluster.start()
        let leader = try await cluster.leader()
        let index = try await cluster.propose([42])
        for recorder in cluster.recorders { #expect(await recorder.waitFor(index: index)) }
        let status = await leader.status()
        #expect(status.isLeader && status.leaderID == leader.id)
        #expect(status.commitIndex >= index && status.appliedIndex >= index && status.lastIndex >= index)
        #expect(status.snapshotIndex == 0 && !status.isStopped && status.storeFailure == nil)
        // Followers learn the leader from its heartbeats.
        for peer in cluster.peers where peer.id != leader.id {
            #expect(await eventually(within: .seconds(5)) { await peer.status().leaderID == leader.id })
            #expect(await peer.status().isLeader == false)
        }
        await cluster.shutdown()
    }

    /// Each new leader's no-op reaches every service as `.skipped` at its index, so an idle
    /// group's services have applied through their commit index (with nothing proposed, the
    /// log holds no-ops only).
    @Test func noopsReachTheServicesAsSkippedEntries() async throws {
        let cluster = try Self.memoryCluster()
        await cluster.start()
        let leader = try await cluster.leader()
        #expect(await eventually(within: .seconds(5)) { await leader.status().commitIndex >= 1 })
        let committed = await leader.status().commitIndex
        for recorder in cluster.recorders {
            #expect(await recorder.waitFor(index: committed))
            let messages = await recorder.messages()
            #expect(messages.map(\.index) == Array(1...messages.count).map(UInt64.init))
            #expect(messages.allSatisfy { if case .skipped = $0 { true } else { false } })
        }
        await cluster.shutdown()
    }

    @Test func readIndexOnTheLeaderCoversCommittedWrites() async throws {
        let cluster = try Self.memoryCluster()
        await cluster.start()
        let leader = try await cluster.leader()
        let index = try await cluster.propose([1])
        #expect(await cluster.recorders[Int(leader.id) - 1].waitFor(index: index))
        let readIndex = try await leader.readIndex()
        #expect(readIndex >= index)
        // Many at once complete too (one heartbeat round may confirm several).
        let indices = try await withThrowingTaskGroup(of: UInt64.self) { group in
            for _ in 0..<20 { group.addTask { try await leader.readIndex() } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(indices.count == 20 && indices.allSatisfy { $0 >= index })
        // A follower refuses and names the leader.
        let follower = cluster.peers.first { $0.id != leader.id }!
        #expect(await eventually(within: .seconds(5)) { await follower.status().leaderID == leader.id })
        await #expect(throws: RaftPeerError.notLeader(leaderHint: leader.id)) {
            _ = try await follower.readIndex()
        }
        await cluster.shutdown()
    }

    @Test func readIndexWithoutQuorumFailsAndTheQueueIsBounded() async throws {
        var configuration = InProcessRaftCluster.fastConfiguration
        configuration.maxPendingReads = 2
        // Check-quorum deposes the isolated leader only after 1-2 s.
        configuration.electionTimeoutTicks = 200
        let cluster = try Self.memoryCluster(configuration: configuration)
        await cluster.start()
        // The first election alone takes 2-4 s of ticks at this timeout; a starved CI machine
        // (two test processes, load above 10) has taken over 10 s.
        let leader = try await cluster.leader(within: .seconds(40))
        let index = try await cluster.propose([1], within: .seconds(40))
        #expect(await cluster.recorders[Int(leader.id) - 1].waitFor(index: index))
        for peer in cluster.peers where peer.id != leader.id { await peer.kill() }
        let first = Task { try await leader.readIndex(timeout: .seconds(5)) }
        let second = Task { try await leader.readIndex(timeout: .seconds(5)) }
        #expect(await eventually(within: .seconds(5)) { await leader.status().pendingReads == 2 })
        await #expect(throws: RaftPeerError.tooManyPendingReads(limit: 2)) {
            _ = try await leader.readIndex(timeout: .seconds(5))
        }
        // Without a quorum the pending reads fail: leadership lost (check-quorum steps the
        // leader down after an election timeout) or the time limit.
        for task in [first, second] {
            do {
                _ = try await task.value
                Issue.record("a read without quorum succeeded")
            } catch let error as RaftPeerError {
                #expect(error == .leadershipLost || error == .timeout)
            }
        }
        await cluster.shutdown()
    }

    @Test func transferLeadershipHandsOverToTheTarget() async throws {
        let cluster = try Self.memoryCluster()
        await cluster.start()
        let leader = try await cluster.leader()
        let index = try await cluster.propose([7])
        for recorder in cluster.recorders { #expect(await recorder.waitFor(index: index)) }
        let target = cluster.peers.first { $0.id != leader.id }!
        await #expect(throws: RaftPeerError.unknownNode(9)) { try await leader.transferLeadership(to: 9) }
        await #expect(throws: RaftPeerError.self) { try await target.transferLeadership(to: leader.id) }
        try await leader.transferLeadership(to: target.id)
        #expect(await eventually(within: .seconds(5)) { await target.status().isLeader })
        #expect(await leader.status().isLeader == false)
        await cluster.shutdown()
    }
}
