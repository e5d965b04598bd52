import Testing

@testable import Raft

/// The `Ready`/`advance` contract with the driver: what a `Ready` contains at each stage,
/// what `advance` acknowledges, and that persisted state survives a restart (a node never
/// votes twice in a term, even across crashes).
@Suite struct ReadyTests {
    /// A fresh node has nothing to do.
    @Test func freshNodeHasNoReady() {
        let node = makeNode(1)
        #expect(!node.hasReady)
    }

    /// Campaigning produces a Ready with the new role, the term and self-vote to persist
    /// durably, and the vote requests to send after persisting.
    @Test func campaignReady() {
        var node = makeNode(1)
        node.campaign()
        #expect(node.hasReady)
        let rd = node.ready()
        #expect(rd.softState == SoftState(leader: 0, role: .candidate))
        #expect(rd.hardState == HardState(term: 1, vote: 1, commit: 0))
        #expect(rd.mustSync)
        #expect(rd.messages.count == 2)
        #expect(rd.entries.isEmpty)
        #expect(!node.hasReady, "no new Ready while one is outstanding")
        node.advance(rd)
        #expect(!node.hasReady)
    }

    /// A leader's proposal appears as an unstable entry to persist together with the
    /// appendEntries to send; after `advance` it is stable and not returned again. When a
    /// quorum acknowledges, it appears in `committedEntries`, once.
    @Test func proposalLifecycle() throws {
        let storage = MemoryStorage(voters: [1, 2, 3])
        var node = makeNode(1, storage: storage)
        node.forceLeader()
        node.persistAll(into: storage)
        let receipt = try node.propose(.bytes("cmd"))
        var rd = node.ready()
        #expect(rd.entries == [Entry(term: 1, index: receipt.index, data: .bytes("cmd"))])
        #expect(rd.committedEntries.isEmpty)
        #expect(rd.mustSync)
        storage.append(rd.entries)
        node.advance(rd)
        #expect(node.raftLog.unstableEntries.isEmpty)

        node.step(appendResponse(from: 2, term: 1, index: receipt.index))
        rd = node.ready()
        #expect(rd.entries.isEmpty)
        #expect(rd.hardState?.commit == receipt.index)
        #expect(!rd.mustSync, "a commit-only change needs no fsync")
        #expect(rd.committedEntries.map(\.index) == [1, 2])
        #expect(rd.committedEntries.first?.kind == .noop)
        node.advance(rd)
        #expect(node.appliedIndex == receipt.index)
        #expect(!node.hasReady || node.ready().committedEntries.isEmpty)
    }

    /// Committed entries are handed out in chunks bounded by
    /// `maxCommittedEntriesBytesPerReady`, in order, without gaps.
    @Test func committedEntriesAreBounded() throws {
        let storage = MemoryStorage(voters: [1])
        var node = makeNode(1, peers: [1], storage: storage) {
            $0.maxCommittedEntriesBytesPerReady = 2 * (Entry.overheadBytes + 1)
        }
        node.campaign()
        for i in 0..<6 { try node.propose([UInt8(i)]) }
        var chunks: [[UInt64]] = []
        while node.hasReady {
            let rd = node.ready()
            storage.append(rd.entries)
            if let hs = rd.hardState { storage.setHardState(hs) }
            if !rd.committedEntries.isEmpty { chunks.append(rd.committedEntries.map(\.index)) }
            node.advance(rd)
        }
        #expect(chunks == [[1, 2], [3, 4], [5, 6], [7]])
    }

    /// Term, vote and log survive a crash: the restarted node refuses to vote for a second
    /// candidate in the same term (vote persistence is what makes Election Safety hold
    /// across restarts).
    @Test func restartKeepsTermVoteAndLog() {
        let storage = MemoryStorage(voters: [1, 2, 3])
        var node = makeNode(1, storage: storage)
        node.becomeFollower(term: 1, leader: 0)
        node.step(Message(type: .requestVote, from: 2, to: 1, term: 5, logTerm: 0, index: 0))
        node.step(
            Message(
                type: .appendEntries, from: 2, to: 1, term: 5, entries: entries(terms: [5, 5]),
                commit: 1))
        node.persistAll(into: storage)

        var restarted = makeNode(1, storage: storage)
        #expect(restarted.term == 5)
        #expect(restarted.vote == 2)
        #expect(restarted.commitIndex == 1)
        #expect(restarted.lastIndex == 2)
        restarted.step(Message(type: .requestVote, from: 3, to: 1, term: 5, logTerm: 5, index: 9))
        #expect(restarted.takeMessages().first?.reject == true)
        // Committed entries are replayed from the snapshot (index 0) on restart.
        #expect(restarted.ready().committedEntries.map(\.index) == [1])
    }

    /// `Config.appliedIndex` skips entries the application already applied before the
    /// restart.
    @Test func restartWithAppliedIndexSkipsReplay() {
        let storage = storageWithTerms([1, 1, 1])
        storage.setHardState(HardState(term: 1, vote: 0, commit: 3))
        var node = makeNode(1, storage: storage) { $0.appliedIndex = 2 }
        #expect(node.appliedIndex == 2)
        #expect(node.ready().committedEntries.map(\.index) == [3])
    }

    /// Restart tolerates a persisted commit index below the snapshot index and an applied
    /// index below the snapshot (both are raised to the snapshot index).
    @Test func restartBelowSnapshot() throws {
        let storage = storageWithTerms([1, 1, 1, 1, 1])
        try storage.createSnapshot(index: 4, data: [])
        try storage.compact(index: 4)
        storage.setHardState(HardState(term: 1, vote: 0, commit: 2))
        var node = makeNode(1, storage: storage) { $0.appliedIndex = 1 }
        #expect(node.commitIndex == 4)
        #expect(node.appliedIndex == 4)
        #expect(!node.hasReady || node.ready().committedEntries.isEmpty)
    }

    /// The soft state is reported when it changes and only then.
    @Test func softStateReportedOnChange() {
        let c = TestCluster(seed: 61)
        c.nodes[1]!.campaign()
        var rd = c.nodes[1]!.ready()
        #expect(rd.softState?.role == .preCandidate)
        c.nodes[1]!.advance(rd)
        c.nodes[1]!.tick()
        rd = c.nodes[1]!.ready()
        #expect(rd.softState == nil)
        c.nodes[1]!.advance(rd)
    }
}
