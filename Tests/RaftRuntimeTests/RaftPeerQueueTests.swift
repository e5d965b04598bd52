import Raft
import RPCCore
import Simulation
import Testing

@testable import RaftRuntime

/// The per-peer send queue of a pipelining `RaftPeer` stays within its limits while a peer's
/// RPC hangs (the soak of issue 12 saw 18.6 MB of entries queued for one hung peer), and the
/// peer catches up once it answers again.
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
        // Heartbeats keep coming while the peer hangs (every 3 ticks of 5 ms): sample until
        // the queue holds its cap (bounded: 10 s, however slowly a loaded machine ticks).
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
}
