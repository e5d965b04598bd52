import Testing

@testable import Raft

/// `Config.CommitBroadcast`: when a leader tells its followers that the commit index advanced.
@Suite struct CommitBroadcastTests {
    /// A leader of term 1 whose followers 2 and 3 both replicate (they acknowledged the
    /// election's no-op at index 1), with entry 2 proposed, persisted and sent to both.
    static func leaderWithEntryInFlight(_ mode: Config.CommitBroadcast) throws -> RaftNode {
        var leader = makeNode(1) { $0.commitBroadcast = mode }
        leader.forceLeader()
        leader.persistOwnEntries()
        leader.step(appendResponse(from: 2, term: 1, index: 1))
        leader.step(appendResponse(from: 3, term: 1, index: 1))
        try leader.propose([2])
        leader.persistOwnEntries()
        _ = leader.takeMessages()
        #expect(leader.commitIndex == 1)
        return leader
    }

    static func appends(_ messages: [Message]) -> [Message] {
        messages.filter { $0.type == .appendEntries }
    }

    /// `.immediate`: the acknowledgement that commits entry 2 sends each follower an empty
    /// append carrying commit 2 at once.
    @Test func immediateSendsEachCommitAtOnce() throws {
        var leader = try Self.leaderWithEntryInFlight(.immediate)
        leader.step(appendResponse(from: 2, term: 1, index: 2))
        #expect(leader.commitIndex == 2)
        let sent = Self.appends(leader.takeMessages())
        #expect(sent.map(\.to).sorted() == [2, 3])
        #expect(sent.allSatisfy { $0.entries.isEmpty && $0.commit == 2 })
    }

    /// `.nextTick`: the commit waits for the next tick (then one empty append per follower,
    /// once), and the leader's own commit index does not wait for it.
    @Test func nextTickSendsTheCommitAtTheNextTick() throws {
        var leader = try Self.leaderWithEntryInFlight(.nextTick)
        leader.step(appendResponse(from: 2, term: 1, index: 2))
        #expect(leader.commitIndex == 2)
        #expect(Self.appends(leader.takeMessages()).isEmpty)
        leader.tick()
        let sent = Self.appends(leader.takeMessages())
        #expect(sent.map(\.to).sorted() == [2, 3])
        #expect(sent.allSatisfy { $0.entries.isEmpty && $0.commit == 2 })
        leader.tick()
        #expect(Self.appends(leader.takeMessages()).isEmpty, "the commit was announced twice")
    }

    /// `.nextTick`: a proposal before the tick carries the new commit with its entries, and
    /// the tick then sends no empty append.
    @Test func nextTickCommitRidesOnTheNextProposal() throws {
        var leader = try Self.leaderWithEntryInFlight(.nextTick)
        leader.step(appendResponse(from: 3, term: 1, index: 2))
        #expect(leader.commitIndex == 2)
        try leader.propose([3])
        let sent = Self.appends(leader.takeMessages())
        #expect(sent.map(\.to).sorted() == [2, 3])
        #expect(sent.allSatisfy { $0.entries.map(\.index) == [3] && $0.commit == 2 })
        leader.tick()
        #expect(Self.appends(leader.takeMessages()).isEmpty)
    }

    /// `.nextTick` in a whole cluster: the followers apply what the leader committed once the
    /// next tick's messages are delivered, and not before.
    @Test func nextTickFollowersCatchUpAfterOneTick() throws {
        let c = TestCluster(ids: [1, 2, 3], seed: 5) {
            $0.commitBroadcast = .nextTick
            $0.heartbeatIntervalTicks = 5
        }
        c.campaign(1)
        try #require(c[1].role == .leader)
        c.tick(1)
        c.stabilize()
        let before = c[1].commitIndex
        try #require(c[2].commitIndex == before && c[3].commitIndex == before)
        let index = c.propose([7], on: 1)
        #expect(index == before + 1)
        #expect(c[1].commitIndex == index)
        #expect(c[2].commitIndex == before, "a follower heard of the commit without a tick")
        #expect(c[3].commitIndex == before, "a follower heard of the commit without a tick")
        c.tick(1)
        c.stabilize()
        #expect(c[2].commitIndex == index)
        #expect(c[3].commitIndex == index)
        #expect(c.appliedIndex[2] == index && c.appliedIndex[3] == index)
    }
}
