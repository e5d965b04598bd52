import Testing

@testable import Raft

/// Malformed messages from the network are dropped and counted, never acted on: each case
/// here trapped the node (or corrupted its state) before `RaftNode+MessageValidation`.
/// Found by the `raft-node` fuzz target (`Fuzz/SKVFuzz/RaftNodeFuzzing.swift`) or by reading
/// the checks it exercises.
@Suite struct MessageValidationTests {
    /// A follower of term 2 (leader 2) with entries of terms [1, 2], both committed.
    static func committedFollower() -> RaftNode {
        var node = makeNode(1, storage: storageWithTerms([1, 2]))
        node.becomeFollower(term: 2, leader: 2)
        node.raftLog.commitTo(2)
        return node
    }

    /// Steps `message` and checks that it was dropped with a reason naming `why`, and that the
    /// term, vote, commit index, log and outgoing messages did not change.
    static func expectDropped(_ message: Message, by node: inout RaftNode, why: String) {
        let (term, vote, commit, entries) = (node.term, node.vote, node.commitIndex, node.allEntries)
        let dropped = node.droppedMessages
        _ = node.takeMessages()
        node.step(message)
        #expect(node.droppedMessages == dropped + 1, "\(message) was not dropped")
        #expect(node.lastDropReason.contains(why), "\(node.lastDropReason)")
        #expect(node.term == term && node.vote == vote && node.commitIndex == commit)
        #expect(node.allEntries == entries)
        #expect(node.takeMessages().isEmpty)
    }

    /// Before: `precondition` "entry 2 conflicts with committed entry" (an entry at a committed
    /// index, not after the previous one).
    @Test func anEntryOverwritingACommittedOneIsDropped() {
        var node = Self.committedFollower()
        Self.expectDropped(
            Message(
                type: .appendEntries, from: 2, to: 1, term: 2, logTerm: 2, index: 2,
                entries: [Entry(term: 2, index: 2, data: [9])]),
            by: &node, why: "entry 2 where 3 belongs")
    }

    /// Before: an appendEntries whose previous index is beyond our log with term 0 "matched"
    /// (`term(_:)` answers 0 there), and the append left a gap: a trap in the unstable log.
    @Test func aPreviousIndexBeyondTheLogIsAMismatchEvenWithTermZero() {
        var node = Self.committedFollower()
        node.step(
            Message(
                type: .appendEntries, from: 2, to: 1, term: 2, logTerm: 0, index: 10,
                entries: entries(terms: [2], from: 11)))
        #expect(node.lastIndex == 2)
        let reply = node.takeMessages()
        #expect(reply.count == 1 && reply[0].reject, "\(reply)")
    }

    /// Before: a heartbeat (or appendEntries) without a term skipped the term checks, and a
    /// candidate became a follower of term 0 (the term went back).
    @Test func messagesWithoutATermAreDroppedExceptReadsAndVoteRejections() {
        var node = makeNode(1)
        node.campaign()
        #expect(node.role == .candidate && node.term == 1)
        Self.expectDropped(Message(type: .heartbeat, from: 2, to: 1, term: 0), by: &node, why: "without a term")
        Self.expectDropped(Message(type: .appendEntries, from: 2, to: 1, term: 0), by: &node, why: "without a term")
        #expect(node.role == .candidate && node.term == 1)
    }

    /// From nobody or from ourselves: dropped.
    @Test func messagesFromNoOtherNodeAreDropped() {
        var node = Self.committedFollower()
        for sender: UInt64 in [0, 1] {
            Self.expectDropped(
                Message(type: .heartbeat, from: sender, to: 1, term: 3, commit: 2), by: &node, why: "not another node")
        }
        #expect(node.leader == 2)
    }

    /// A node this follower does not know yet (a member added by a change it has not applied,
    /// now leading) is followed like any other: refusing it would leave this follower behind.
    @Test func aLeaderFromALaterMembershipIsFollowed() {
        var node = Self.committedFollower()
        node.step(Message(type: .heartbeat, from: 9, to: 1, term: 4, commit: 2))
        #expect(node.droppedMessages == 0)
        #expect(node.leader == 9 && node.term == 4)
    }

    /// Before: a term of `UInt64.max` was adopted, and the next election computed `term + 1`.
    @Test func termsAndIndicesBeyondTheLimitAreDropped() {
        var node = Self.committedFollower()
        Self.expectDropped(Message(type: .heartbeat, from: 2, to: 1, term: .max), by: &node, why: "exceeds")
        Self.expectDropped(Message(type: .requestVote, from: 3, to: 1, term: 3, index: .max), by: &node, why: "exceeds")
        node.campaign()
        #expect(node.term == 3)
    }

    /// Entries must continue the log one index after another, with terms that never decrease
    /// and never exceed the message's term; the previous term is at most the message's.
    @Test func malformedEntriesAreDropped() {
        var node = Self.committedFollower()
        let gap = [Entry(term: 2, index: 3), Entry(term: 2, index: 5)]
        Self.expectDropped(
            Message(type: .appendEntries, from: 2, to: 1, term: 2, logTerm: 2, index: 2, entries: gap), by: &node,
            why: "where 4 belongs")
        Self.expectDropped(
            Message(
                type: .appendEntries, from: 2, to: 1, term: 2, logTerm: 2, index: 2, entries: entries(terms: [3], from: 3)),
            by: &node, why: "of term 3")
        Self.expectDropped(
            Message(
                type: .appendEntries, from: 2, to: 1, term: 2, logTerm: 2, index: 2, entries: entries(terms: [1], from: 3)),
            by: &node, why: "of term 1")
        Self.expectDropped(
            Message(type: .appendEntries, from: 2, to: 1, term: 2, logTerm: 5, index: 2), by: &node,
            why: "previous log term 5")
    }

    /// A snapshot naming node 0, without a snapshot, at index 0, or of a later term than its
    /// message is dropped.
    @Test func malformedSnapshotsAreDropped() {
        var node = Self.committedFollower()
        let zero = Snapshot(metadata: .init(index: 5, term: 2, voters: [0, 1, 2]))
        Self.expectDropped(
            Message(type: .installSnapshot, from: 2, to: 1, term: 2, snapshot: zero), by: &node, why: "names node 0")
        Self.expectDropped(
            Message(type: .installSnapshot, from: 2, to: 1, term: 2), by: &node, why: "without a snapshot")
        let later = Snapshot(metadata: .init(index: 5, term: 3, voters: [1, 2, 3]))
        Self.expectDropped(
            Message(type: .installSnapshot, from: 2, to: 1, term: 2, snapshot: later), by: &node, why: "term 3")
        #expect(node.members == [1, 2, 3])
    }

    /// A leader drops an acknowledgement of entries it never had, and a rejection whose hint
    /// lies beyond the rejected index.
    @Test func aLeaderDropsImpossibleAppendResponses() {
        var node = makeNode(1)
        node.forceLeader()
        let last = node.lastIndex
        Self.expectDropped(
            appendResponse(from: 2, term: node.term, index: last + 100), by: &node, why: "beyond the last index")
        Self.expectDropped(
            Message(
                type: .appendEntriesResponse, from: 2, to: 1, term: node.term, index: 1, reject: true, rejectHint: 7),
            by: &node, why: "rejection hint 7")
        #expect(node.role == .leader)
    }

    /// Before: a snapshot whose voters leave this node out replaced the voters, and the node,
    /// once leader, trapped looking up its own progress. Such a snapshot is taken now (it is
    /// older than the change that added this node, which follows in the log), and the node
    /// never campaigns while it is not a voter.
    @Test func aSnapshotLeavingThisNodeOutIsTakenAndTheNodeDoesNotCampaign() {
        var node = Self.committedFollower()
        let outsider = Snapshot(metadata: .init(index: 5, term: 2, voters: [2, 3]))
        node.step(Message(type: .installSnapshot, from: 2, to: 1, term: 2, snapshot: outsider))
        #expect(node.droppedMessages == 0 && node.commitIndex == 5)
        #expect(node.membership == ConfState(voters: [2, 3]))
        for _ in 0..<100 { node.tick() }
        node.campaign()
        #expect(node.role == .follower && node.term == 2)
    }

    /// Found by the fuzz target: a snapshot naming no voters was persisted as it came, and the
    /// node, restarted from it, was no member of its own group (`ConfigError.notAVoter`). Such a
    /// snapshot now keeps our voters, in the node and in what the driver persists.
    @Test func aSnapshotWithoutVotersKeepsOursInWhatIsPersisted() throws {
        var node = Self.committedFollower()
        let bare = Snapshot(metadata: .init(index: 5, term: 2, voters: []), data: [7])
        node.step(Message(type: .installSnapshot, from: 2, to: 1, term: 2, snapshot: bare))
        let ready = node.ready()
        let persisted = try #require(ready.snapshot)
        #expect(persisted.metadata.voters == [1, 2, 3] && persisted.metadata.index == 5)
        let storage = MemoryStorage(voters: [1, 2, 3])
        try storage.applySnapshot(persisted)
        #expect(storage.initialState().confState.voters == [1, 2, 3])
        #expect(node.members == [1, 2, 3])
    }
}
