import Testing

/// Scripted interactions (see `InteractionScript`): exact message traces of elections,
/// replication repair, leadership transfer and ReadIndex. Review a changed trace like code.
@Suite struct InteractionTests {
    /// A plain election in a 3-node cluster, message by message: votes, the leader's no-op
    /// append and its commit.
    @Test func campaign() {
        InteractionScript(
            """
            add-nodes 3

            campaign 1

            stabilize
            ----
            > 1 handling Ready
              role=candidate leader=0
              HardState term=1 vote=1 commit=0
              send 1->2 requestVote term=1 logTerm=0 index=0
              send 1->3 requestVote term=1 logTerm=0 index=0
              deliver 1->2 requestVote term=1 logTerm=0 index=0
              deliver 1->3 requestVote term=1 logTerm=0 index=0
            > 2 handling Ready
              HardState term=1 vote=1 commit=0
              send 2->1 requestVoteResponse term=1 granted
            > 3 handling Ready
              HardState term=1 vote=1 commit=0
              send 3->1 requestVoteResponse term=1 granted
              deliver 2->1 requestVoteResponse term=1 granted
              deliver 3->1 requestVoteResponse term=1 granted
            > 1 handling Ready
              role=leader leader=1
              Entries: 1/1 noop
              send 1->2 appendEntries term=1 logTerm=0 index=0 commit=0 entries=["1/1"]
              send 1->3 appendEntries term=1 logTerm=0 index=0 commit=0 entries=["1/1"]
              deliver 1->2 appendEntries term=1 logTerm=0 index=0 commit=0 entries=["1/1"]
              deliver 1->3 appendEntries term=1 logTerm=0 index=0 commit=0 entries=["1/1"]
            > 2 handling Ready
              role=follower leader=1
              Entries: 1/1 noop
              send 2->1 appendEntriesResponse term=1 index=1
            > 3 handling Ready
              role=follower leader=1
              Entries: 1/1 noop
              send 3->1 appendEntriesResponse term=1 index=1
              deliver 2->1 appendEntriesResponse term=1 index=1
              deliver 3->1 appendEntriesResponse term=1 index=1
            > 1 handling Ready
              HardState term=1 vote=1 commit=1
              Committed: 1/1 noop
              send 1->2 appendEntries term=1 logTerm=1 index=1 commit=1 entries=[]
              send 1->3 appendEntries term=1 logTerm=1 index=1 commit=1 entries=[]
              deliver 1->2 appendEntries term=1 logTerm=1 index=1 commit=1 entries=[]
              deliver 1->3 appendEntries term=1 logTerm=1 index=1 commit=1 entries=[]
            > 2 handling Ready
              HardState term=1 vote=1 commit=1
              Committed: 1/1 noop
              send 2->1 appendEntriesResponse term=1 index=1
            > 3 handling Ready
              HardState term=1 vote=1 commit=1
              Committed: 1/1 noop
              send 3->1 appendEntriesResponse term=1 index=1
              deliver 2->1 appendEntriesResponse term=1 index=1
              deliver 3->1 appendEntriesResponse term=1 index=1

            status 1 2 3
            ----
            1: leader term=1 vote=1 leader=1 commit=1 applied=1 last=1
            2: follower term=1 vote=1 leader=1 commit=1 applied=1 last=1
            3: follower term=1 vote=1 leader=1 commit=1 applied=1 last=1
            """
        ).run()
    }

    /// Pre-vote with check-quorum: a node that was partitioned and timed out many times
    /// rejoins without raising anyone's term; its pre-votes are ignored by nodes in lease.
    @Test func preVoteRejoin() {
        InteractionScript(
            """
            add-nodes 3 pre-vote=true check-quorum=true

            campaign 1

            stabilize
            ----
            > 1 handling Ready
              role=preCandidate leader=0
              send 1->2 preVote term=1 logTerm=0 index=0
              send 1->3 preVote term=1 logTerm=0 index=0
              deliver 1->2 preVote term=1 logTerm=0 index=0
              deliver 1->3 preVote term=1 logTerm=0 index=0
            > 2 handling Ready
              send 2->1 preVoteResponse term=1 granted
            > 3 handling Ready
              send 3->1 preVoteResponse term=1 granted
              deliver 2->1 preVoteResponse term=1 granted
              deliver 3->1 preVoteResponse term=1 granted
            > 1 handling Ready
              role=candidate leader=0
              HardState term=1 vote=1 commit=0
              send 1->2 requestVote term=1 logTerm=0 index=0
              send 1->3 requestVote term=1 logTerm=0 index=0
              deliver 1->2 requestVote term=1 logTerm=0 index=0
              deliver 1->3 requestVote term=1 logTerm=0 index=0
            > 2 handling Ready
              HardState term=1 vote=1 commit=0
              send 2->1 requestVoteResponse term=1 granted
            > 3 handling Ready
              HardState term=1 vote=1 commit=0
              send 3->1 requestVoteResponse term=1 granted
              deliver 2->1 requestVoteResponse term=1 granted
              deliver 3->1 requestVoteResponse term=1 granted
            > 1 handling Ready
              role=leader leader=1
              Entries: 1/1 noop
              send 1->2 appendEntries term=1 logTerm=0 index=0 commit=0 entries=["1/1"]
              send 1->3 appendEntries term=1 logTerm=0 index=0 commit=0 entries=["1/1"]
              deliver 1->2 appendEntries term=1 logTerm=0 index=0 commit=0 entries=["1/1"]
              deliver 1->3 appendEntries term=1 logTerm=0 index=0 commit=0 entries=["1/1"]
            > 2 handling Ready
              role=follower leader=1
              Entries: 1/1 noop
              send 2->1 appendEntriesResponse term=1 index=1
            > 3 handling Ready
              role=follower leader=1
              Entries: 1/1 noop
              send 3->1 appendEntriesResponse term=1 index=1
              deliver 2->1 appendEntriesResponse term=1 index=1
              deliver 3->1 appendEntriesResponse term=1 index=1
            > 1 handling Ready
              HardState term=1 vote=1 commit=1
              Committed: 1/1 noop
              send 1->2 appendEntries term=1 logTerm=1 index=1 commit=1 entries=[]
              send 1->3 appendEntries term=1 logTerm=1 index=1 commit=1 entries=[]
              deliver 1->2 appendEntries term=1 logTerm=1 index=1 commit=1 entries=[]
              deliver 1->3 appendEntries term=1 logTerm=1 index=1 commit=1 entries=[]
            > 2 handling Ready
              HardState term=1 vote=1 commit=1
              Committed: 1/1 noop
              send 2->1 appendEntriesResponse term=1 index=1
            > 3 handling Ready
              HardState term=1 vote=1 commit=1
              Committed: 1/1 noop
              send 3->1 appendEntriesResponse term=1 index=1
              deliver 2->1 appendEntriesResponse term=1 index=1
              deliver 3->1 appendEntriesResponse term=1 index=1

            isolate 3

            tick 3 25

            stabilize
            ----
            > 3 handling Ready
              role=preCandidate leader=0
              send 3->1 preVote term=2 logTerm=1 index=1
              send 3->2 preVote term=2 logTerm=1 index=1
              dropped 3->1 preVote term=2 logTerm=1 index=1
              dropped 3->2 preVote term=2 logTerm=1 index=1

            status 3
            ----
            3: preCandidate term=1 vote=1 leader=0 commit=1 applied=1 last=1

            heal

            campaign 3

            stabilize
            ----
            > 3 handling Ready
              send 3->1 preVote term=2 logTerm=1 index=1
              send 3->2 preVote term=2 logTerm=1 index=1
              deliver 3->1 preVote term=2 logTerm=1 index=1
              deliver 3->2 preVote term=2 logTerm=1 index=1

            status 1 2 3
            ----
            1: leader term=1 vote=1 leader=1 commit=1 applied=1 last=1
            2: follower term=1 vote=1 leader=1 commit=1 applied=1 last=1
            3: preCandidate term=1 vote=1 leader=0 commit=1 applied=1 last=1
            """
        ).run()
    }

    /// A deposed leader's uncommitted entries (proposed while partitioned) are overwritten
    /// by the new leader's log when the partition heals; the deposed leader learns the new
    /// term from the first heartbeat.
    @Test func deposedLeaderLogIsOverwritten() {
        InteractionScript(
            """
            add-nodes 3

            campaign 1

            stabilize quiet

            isolate 1

            propose 1 lost-a
            ----
            proposed at 2 term 1

            propose 1 lost-b
            ----
            proposed at 3 term 1

            propose 1 lost-c
            ----
            proposed at 4 term 1

            propose 1 lost-d
            ----
            proposed at 5 term 1

            propose 1 lost-e
            ----
            proposed at 6 term 1

            stabilize
            ----
            > 1 handling Ready
              Entries: 1/2 lost-a 1/3 lost-b 1/4 lost-c 1/5 lost-d 1/6 lost-e
              send 1->2 appendEntries term=1 logTerm=1 index=1 commit=1 entries=["1/2"]
              send 1->3 appendEntries term=1 logTerm=1 index=1 commit=1 entries=["1/2"]
              send 1->2 appendEntries term=1 logTerm=1 index=2 commit=1 entries=["1/3"]
              send 1->3 appendEntries term=1 logTerm=1 index=2 commit=1 entries=["1/3"]
              send 1->2 appendEntries term=1 logTerm=1 index=3 commit=1 entries=["1/4"]
              send 1->3 appendEntries term=1 logTerm=1 index=3 commit=1 entries=["1/4"]
              send 1->2 appendEntries term=1 logTerm=1 index=4 commit=1 entries=["1/5"]
              send 1->3 appendEntries term=1 logTerm=1 index=4 commit=1 entries=["1/5"]
              send 1->2 appendEntries term=1 logTerm=1 index=5 commit=1 entries=["1/6"]
              send 1->3 appendEntries term=1 logTerm=1 index=5 commit=1 entries=["1/6"]
              dropped 1->2 appendEntries term=1 logTerm=1 index=1 commit=1 entries=["1/2"]
              dropped 1->3 appendEntries term=1 logTerm=1 index=1 commit=1 entries=["1/2"]
              dropped 1->2 appendEntries term=1 logTerm=1 index=2 commit=1 entries=["1/3"]
              dropped 1->3 appendEntries term=1 logTerm=1 index=2 commit=1 entries=["1/3"]
              dropped 1->2 appendEntries term=1 logTerm=1 index=3 commit=1 entries=["1/4"]
              dropped 1->3 appendEntries term=1 logTerm=1 index=3 commit=1 entries=["1/4"]
              dropped 1->2 appendEntries term=1 logTerm=1 index=4 commit=1 entries=["1/5"]
              dropped 1->3 appendEntries term=1 logTerm=1 index=4 commit=1 entries=["1/5"]
              dropped 1->2 appendEntries term=1 logTerm=1 index=5 commit=1 entries=["1/6"]
              dropped 1->3 appendEntries term=1 logTerm=1 index=5 commit=1 entries=["1/6"]

            campaign 2

            stabilize
            ----
            > 2 handling Ready
              role=candidate leader=0
              HardState term=2 vote=2 commit=1
              send 2->1 requestVote term=2 logTerm=1 index=1
              send 2->3 requestVote term=2 logTerm=1 index=1
              dropped 2->1 requestVote term=2 logTerm=1 index=1
              deliver 2->3 requestVote term=2 logTerm=1 index=1
            > 3 handling Ready
              role=follower leader=0
              HardState term=2 vote=2 commit=1
              send 3->2 requestVoteResponse term=2 granted
              deliver 3->2 requestVoteResponse term=2 granted
            > 2 handling Ready
              role=leader leader=2
              Entries: 2/2 noop
              send 2->1 appendEntries term=2 logTerm=1 index=1 commit=1 entries=["2/2"]
              send 2->3 appendEntries term=2 logTerm=1 index=1 commit=1 entries=["2/2"]
              dropped 2->1 appendEntries term=2 logTerm=1 index=1 commit=1 entries=["2/2"]
              deliver 2->3 appendEntries term=2 logTerm=1 index=1 commit=1 entries=["2/2"]
            > 3 handling Ready
              role=follower leader=2
              Entries: 2/2 noop
              send 3->2 appendEntriesResponse term=2 index=2
              deliver 3->2 appendEntriesResponse term=2 index=2
            > 2 handling Ready
              HardState term=2 vote=2 commit=2
              Committed: 2/2 noop
              send 2->3 appendEntries term=2 logTerm=2 index=2 commit=2 entries=[]
              deliver 2->3 appendEntries term=2 logTerm=2 index=2 commit=2 entries=[]
            > 3 handling Ready
              HardState term=2 vote=2 commit=2
              Committed: 2/2 noop
              send 3->2 appendEntriesResponse term=2 index=2
              deliver 3->2 appendEntriesResponse term=2 index=2

            propose 2 kept-a
            ----
            proposed at 3 term 2

            propose 2 kept-b
            ----
            proposed at 4 term 2

            stabilize
            ----
            > 2 handling Ready
              Entries: 2/3 kept-a 2/4 kept-b
              send 2->3 appendEntries term=2 logTerm=2 index=2 commit=2 entries=["2/3"]
              send 2->3 appendEntries term=2 logTerm=2 index=3 commit=2 entries=["2/4"]
              deliver 2->3 appendEntries term=2 logTerm=2 index=2 commit=2 entries=["2/3"]
              deliver 2->3 appendEntries term=2 logTerm=2 index=3 commit=2 entries=["2/4"]
            > 3 handling Ready
              Entries: 2/3 kept-a 2/4 kept-b
              send 3->2 appendEntriesResponse term=2 index=3
              send 3->2 appendEntriesResponse term=2 index=4
              deliver 3->2 appendEntriesResponse term=2 index=3
              deliver 3->2 appendEntriesResponse term=2 index=4
            > 2 handling Ready
              HardState term=2 vote=2 commit=4
              Committed: 2/3 kept-a 2/4 kept-b
              send 2->3 appendEntries term=2 logTerm=2 index=4 commit=3 entries=[]
              send 2->3 appendEntries term=2 logTerm=2 index=4 commit=4 entries=[]
              deliver 2->3 appendEntries term=2 logTerm=2 index=4 commit=3 entries=[]
              deliver 2->3 appendEntries term=2 logTerm=2 index=4 commit=4 entries=[]
            > 3 handling Ready
              HardState term=2 vote=2 commit=4
              Committed: 2/3 kept-a 2/4 kept-b
              send 3->2 appendEntriesResponse term=2 index=4
              send 3->2 appendEntriesResponse term=2 index=4
              deliver 3->2 appendEntriesResponse term=2 index=4
              deliver 3->2 appendEntriesResponse term=2 index=4

            heal

            tick 2

            stabilize
            ----
            > 2 handling Ready
              send 2->1 heartbeat term=2 commit=0
              send 2->3 heartbeat term=2 commit=4
              deliver 2->1 heartbeat term=2 commit=0
              deliver 2->3 heartbeat term=2 commit=4
            > 1 handling Ready
              role=follower leader=2
              HardState term=2 vote=0 commit=1
              send 1->2 heartbeatResponse term=2
            > 3 handling Ready
              send 3->2 heartbeatResponse term=2
              deliver 1->2 heartbeatResponse term=2
              deliver 3->2 heartbeatResponse term=2
            > 2 handling Ready
              send 2->1 appendEntries term=2 logTerm=1 index=1 commit=4 entries=["2/2", "2/3", "2/4"]
              deliver 2->1 appendEntries term=2 logTerm=1 index=1 commit=4 entries=["2/2", "2/3", "2/4"]
            > 1 handling Ready
              HardState term=2 vote=0 commit=4
              Entries: 2/2 noop 2/3 kept-a 2/4 kept-b
              Committed: 2/2 noop 2/3 kept-a 2/4 kept-b
              send 1->2 appendEntriesResponse term=2 index=4
              deliver 1->2 appendEntriesResponse term=2 index=4
            > 2 handling Ready
              send 2->1 appendEntries term=2 logTerm=2 index=4 commit=4 entries=[]
              deliver 2->1 appendEntries term=2 logTerm=2 index=4 commit=4 entries=[]
            > 1 handling Ready
              send 1->2 appendEntriesResponse term=2 index=4
              deliver 1->2 appendEntriesResponse term=2 index=4

            raft-log 1
            ----
            1/1 noop
            2/2 noop
            2/3 kept-a
            2/4 kept-b
            """
        ).run()
    }

    /// Leadership transfer to a follower that first needs one entry; proposals are refused
    /// meanwhile.
    @Test func transferLeadership() {
        InteractionScript(
            """
            add-nodes 3

            campaign 1

            stabilize quiet

            isolate 3

            propose 1 x
            ----
            proposed at 2 term 1

            stabilize
            ----
            > 1 handling Ready
              Entries: 1/2 x
              send 1->2 appendEntries term=1 logTerm=1 index=1 commit=1 entries=["1/2"]
              send 1->3 appendEntries term=1 logTerm=1 index=1 commit=1 entries=["1/2"]
              deliver 1->2 appendEntries term=1 logTerm=1 index=1 commit=1 entries=["1/2"]
              dropped 1->3 appendEntries term=1 logTerm=1 index=1 commit=1 entries=["1/2"]
            > 2 handling Ready
              Entries: 1/2 x
              send 2->1 appendEntriesResponse term=1 index=2
              deliver 2->1 appendEntriesResponse term=1 index=2
            > 1 handling Ready
              HardState term=1 vote=1 commit=2
              Committed: 1/2 x
              send 1->2 appendEntries term=1 logTerm=1 index=2 commit=2 entries=[]
              send 1->3 appendEntries term=1 logTerm=1 index=2 commit=2 entries=[]
              deliver 1->2 appendEntries term=1 logTerm=1 index=2 commit=2 entries=[]
              dropped 1->3 appendEntries term=1 logTerm=1 index=2 commit=2 entries=[]
            > 2 handling Ready
              HardState term=1 vote=1 commit=2
              Committed: 1/2 x
              send 2->1 appendEntriesResponse term=1 index=2
              deliver 2->1 appendEntriesResponse term=1 index=2

            heal

            transfer-leadership 1 3

            propose 1 y
            ----
            error: leadershipTransferInProgress(transferee: 3)

            stabilize
            ----
            > 1 handling Ready
              send 1->3 appendEntries term=1 logTerm=1 index=2 commit=2 entries=[]
              deliver 1->3 appendEntries term=1 logTerm=1 index=2 commit=2 entries=[]
            > 3 handling Ready
              send 3->1 appendEntriesResponse term=1 index=2 reject hint=1 logTerm=1
              deliver 3->1 appendEntriesResponse term=1 index=2 reject hint=1 logTerm=1
            > 1 handling Ready
              send 1->3 appendEntries term=1 logTerm=1 index=1 commit=2 entries=["1/2"]
              deliver 1->3 appendEntries term=1 logTerm=1 index=1 commit=2 entries=["1/2"]
            > 3 handling Ready
              HardState term=1 vote=1 commit=2
              Entries: 1/2 x
              Committed: 1/2 x
              send 3->1 appendEntriesResponse term=1 index=2
              deliver 3->1 appendEntriesResponse term=1 index=2
            > 1 handling Ready
              send 1->3 appendEntries term=1 logTerm=1 index=2 commit=2 entries=[]
              send 1->3 timeoutNow term=1
              deliver 1->3 appendEntries term=1 logTerm=1 index=2 commit=2 entries=[]
              deliver 1->3 timeoutNow term=1
            > 3 handling Ready
              role=candidate leader=0
              HardState term=2 vote=3 commit=2
              send 3->1 appendEntriesResponse term=1 index=2
              send 3->1 requestVote term=2 logTerm=1 index=2 context=transfer
              send 3->2 requestVote term=2 logTerm=1 index=2 context=transfer
              deliver 3->1 appendEntriesResponse term=1 index=2
              deliver 3->1 requestVote term=2 logTerm=1 index=2 context=transfer
              deliver 3->2 requestVote term=2 logTerm=1 index=2 context=transfer
            > 1 handling Ready
              role=follower leader=0
              HardState term=2 vote=3 commit=2
              send 1->3 requestVoteResponse term=2 granted
            > 2 handling Ready
              role=follower leader=0
              HardState term=2 vote=3 commit=2
              send 2->3 requestVoteResponse term=2 granted
              deliver 1->3 requestVoteResponse term=2 granted
              deliver 2->3 requestVoteResponse term=2 granted
            > 3 handling Ready
              role=leader leader=3
              Entries: 2/3 noop
              send 3->1 appendEntries term=2 logTerm=1 index=2 commit=2 entries=["2/3"]
              send 3->2 appendEntries term=2 logTerm=1 index=2 commit=2 entries=["2/3"]
              deliver 3->1 appendEntries term=2 logTerm=1 index=2 commit=2 entries=["2/3"]
              deliver 3->2 appendEntries term=2 logTerm=1 index=2 commit=2 entries=["2/3"]
            > 1 handling Ready
              role=follower leader=3
              Entries: 2/3 noop
              send 1->3 appendEntriesResponse term=2 index=3
            > 2 handling Ready
              role=follower leader=3
              Entries: 2/3 noop
              send 2->3 appendEntriesResponse term=2 index=3
              deliver 1->3 appendEntriesResponse term=2 index=3
              deliver 2->3 appendEntriesResponse term=2 index=3
            > 3 handling Ready
              HardState term=2 vote=3 commit=3
              Committed: 2/3 noop
              send 3->1 appendEntries term=2 logTerm=2 index=3 commit=3 entries=[]
              send 3->2 appendEntries term=2 logTerm=2 index=3 commit=3 entries=[]
              deliver 3->1 appendEntries term=2 logTerm=2 index=3 commit=3 entries=[]
              deliver 3->2 appendEntries term=2 logTerm=2 index=3 commit=3 entries=[]
            > 1 handling Ready
              HardState term=2 vote=3 commit=3
              Committed: 2/3 noop
              send 1->3 appendEntriesResponse term=2 index=3
            > 2 handling Ready
              HardState term=2 vote=3 commit=3
              Committed: 2/3 noop
              send 2->3 appendEntriesResponse term=2 index=3
              deliver 1->3 appendEntriesResponse term=2 index=3
              deliver 2->3 appendEntriesResponse term=2 index=3

            status 1 3
            ----
            1: follower term=2 vote=3 leader=3 commit=3 applied=3 last=3
            3: leader term=2 vote=3 leader=3 commit=3 applied=3 last=3
            """
        ).run()
    }

    /// ReadIndex from a follower: forwarded to the leader, confirmed by a heartbeat round,
    /// answered with the leader's commit index.
    @Test func readIndexFromFollower() {
        InteractionScript(
            """
            add-nodes 3

            campaign 1

            stabilize quiet

            read-index 2 req1

            stabilize
            ----
            > 2 handling Ready
              send 2->1 readIndex term=0 context=4B
              deliver 2->1 readIndex term=0 context=4B
            > 1 handling Ready
              send 1->2 heartbeat term=1 commit=1 context=4B
              send 1->3 heartbeat term=1 commit=1 context=4B
              deliver 1->2 heartbeat term=1 commit=1 context=4B
              deliver 1->3 heartbeat term=1 commit=1 context=4B
            > 2 handling Ready
              send 2->1 heartbeatResponse term=1 context=4B
            > 3 handling Ready
              send 3->1 heartbeatResponse term=1 context=4B
              deliver 2->1 heartbeatResponse term=1 context=4B
              deliver 3->1 heartbeatResponse term=1 context=4B
            > 1 handling Ready
              send 1->2 readIndexResponse term=1 index=1 context=4B
              deliver 1->2 readIndexResponse term=1 index=1 context=4B
            > 2 handling Ready
              ReadState index=1 context=req1
            """
        ).run()
    }

    /// A single voter without the election no-op restarts with a commit index that lagged on
    /// disk (commit-only changes are not fsynced): entries 2 and 3 were acknowledged, but the
    /// stored commit says 1. Its ReadIndex must wait for an entry of its new term to commit
    /// instead of answering 1, which would miss those writes.
    @Test func singleVoterReadIndexWaitsForCurrentTermCommit() {
        InteractionScript(
            """
            add-nodes 1 noop=false

            campaign 1

            propose 1 a
            ----
            proposed at 1 term 1

            propose 1 b
            ----
            proposed at 2 term 1

            propose 1 c
            ----
            proposed at 3 term 1

            stabilize quiet

            crash 1

            lag-commit 1 1

            restart 1

            status 1
            ----
            1: follower term=1 vote=1 leader=0 commit=1 applied=0 last=3

            campaign 1

            stabilize quiet

            read-index 1 r1

            stabilize

            status 1
            ----
            1: leader term=2 vote=1 leader=1 commit=1 applied=1 last=3

            propose 1 d
            ----
            proposed at 4 term 2

            stabilize
            ----
            > 1 handling Ready
              Entries: 2/4 d
            > 1 handling Ready
              HardState term=2 vote=1 commit=4
              Committed: 1/2 b 1/3 c 2/4 d
              ReadState index=4 context=r1
            """
        ).run()
    }
}
