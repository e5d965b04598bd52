import Raft
import RPCCore
import Simulation
import Synchronization
import Testing

@testable import RaftRuntime

/// The per-peer send queue of a pipelining `RaftPeer` stays within its limits while a peer's
/// RPC hangs (the soak of issue 12 saw 18.6 MB of entries queued for one hung peer), and the
/// peer catches up once it answers again; heartbeats do not wait in it behind a slow write.
@Suite("RaftPeer send queue")
struct RaftPeerQueueTests {
    /// A follower's link whose `Step`s wait while it hangs (a paused or partitioned process
    /// whose TCP connection stays up).
    actor HangingLink: RaftServiceProtocol {
        let peer: RaftPeer
        var hangs = false

        init(peer: RaftPeer) { self.peer = peer }

        func setHangs(_ value: Bool) { hangs = value }

        func step(_ request: StepRequest) async throws -> StepResponse {
            let deadline = ContinuousClock.now.advanced(by: .seconds(30))
            while hangs && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            return try await peer.step(request)
        }
    }

    @Test func aHungPeersQueueStaysBoundedAndThePeerCatchesUp() async throws {
        var configuration = InProcessRaftCluster.fastConfiguration
        configuration.pipelinedRPCsPerPeer = 1
        configuration.rpcTimeout = .seconds(20)
        configuration.maxQueuedMessagesPerPeer = 16
        configuration.maxQueuedBytesPerPeer = 4_096
        let (cluster, leader, follower, link) = try await InProcessRaftCluster.withLinkedFollower(
            configuration: configuration, makeLink: HangingLink.init)
        await link.setHangs(true)
        var last: UInt64 = 0
        var mostQueued = (messages: 0, bytes: 0)
        for command in 0..<200 {
            last = try await cluster.propose(Array(repeating: UInt8(command % 256), count: 100))
            let queued = await leader.queuedForPeer(follower.id)
            mostQueued = (max(mostQueued.messages, queued.messages), max(mostQueued.bytes, queued.bytes))
        }
        // Heartbeats keep coming while the peer hangs (every 3 ticks of 5 ms); past
        // `maxRPCsOutsidePipelinePerPeer` (32) hung ones they queue too: sample until the
        // queue holds its cap (bounded: 10 s, however slowly a loaded machine ticks).
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while mostQueued.messages < 16 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
            let queued = await leader.queuedForPeer(follower.id)
            mostQueued = (max(mostQueued.messages, queued.messages), max(mostQueued.bytes, queued.bytes))
        }
        // ... and keep sampling for a while: more heartbeats arrive, the cap holds.
        for _ in 0..<40 {
            try await Task.sleep(for: .milliseconds(5))
            let queued = await leader.queuedForPeer(follower.id)
            mostQueued = (max(mostQueued.messages, queued.messages), max(mostQueued.bytes, queued.bytes))
        }
        print("RaftPeerQueueTests: most queued for the hung peer: \(mostQueued)")
        #expect(mostQueued.messages <= 16 && mostQueued.bytes <= 4_096, "most queued: \(mostQueued)")
        #expect(mostQueued.messages == 16, "the cap was reached (more heartbeats came than it holds)")
        await link.setHangs(false)
        #expect(await cluster.recorders[Int(follower.id) - 1].waitFor(index: last))
        await cluster.shutdown()
    }

    /// With one `Step` in flight per follower and asynchronous writes (the daemons' settings),
    /// a follower whose write of an append takes 8 election timeouts keeps its leader: the
    /// `Step` carrying the append holds the slot until the write is done, and the heartbeats go
    /// around it (queued behind it, they did not: the follower's election timer ran out and it
    /// lost its leader for a pre-vote). Once the write ends it has the entry.
    @Test(.timeLimit(.minutes(1)))
    func heartbeatsReachAFollowerWhileItsWriteIsSlow() async throws {
        var configuration = InProcessRaftCluster.fastConfiguration
        configuration.pipelinedRPCsPerPeer = 1
        configuration.writesStorageAsynchronously = true
        // The held write lasts 8 election timeouts: ≈ 54 heartbeats at this configuration's
        // 15-ms interval, each in flight until the write ends.
        configuration.maxRPCsOutsidePipelinePerPeer = 64
        let gates = Mutex<[UInt64: Gate]>([:])
        let cluster = try InProcessRaftCluster(n: 3, configuration: configuration) { id in
            let gate = Gate(isOpen: true)
            gates.withLock { $0[id] = gate }
            let inner = BlobRaftLogStore(LabStore(persister: SimulatedPersister()), voters: [1, 2, 3])
            return GatedStore(inner, gate: gate, gated: .entriesPersist)
        }
        await cluster.start()
        let leader = try await cluster.leader()
        let follower = cluster.peers.first { $0.id != leader.id }!
        let gate = try #require(gates.withLock { $0[follower.id] })
        let electionTimeout = configuration.tickInterval * configuration.electionTimeoutTicks
        let term = await leader.status().term
        let deadline = ContinuousClock.now + .seconds(10)
        while await follower.status().leaderID != leader.id, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(1))
        }
        gate.close()
        let index = try await cluster.propose([42])  // committed by the leader and the other follower
        var views: [UInt64?] = []
        let end = ContinuousClock.now + electionTimeout * 8
        while ContinuousClock.now < end {
            views.append(await follower.status().leaderID)
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(await follower.status().appliedIndex < index, "the held write did not hold")
        let lost = views.filter { $0 != leader.id }.count
        #expect(lost == 0, "the follower saw no leader in \(lost) of \(views.count) samples")
        #expect(await leader.status().term == term)
        gate.open()
        #expect(await cluster.recorders[Int(follower.id) - 1].waitFor(index: index))
        await cluster.shutdown()
    }
}
