import CoreMetrics
import RaftRuntime
import RSM
import ShardKV

/// The gauges a scrape reads from state rather than recording as things happen: the Raft
/// peer's ``RaftPeerStatus`` and membership, the process's memory and descriptors, and the
/// service's ``ServiceGauges``.
struct ScrapeGauges: Sendable {
    private let term = Gauge(label: "skv_raft_term")
    private let isLeader = Gauge(label: "skv_raft_is_leader")
    /// The leader this peer knows of (0: none).
    private let leaderID = Gauge(label: "skv_raft_leader_id")
    private let commitIndex = Gauge(label: "skv_raft_commit_index")
    private let appliedIndex = Gauge(label: "skv_raft_applied_index")
    private let lastLogIndex = Gauge(label: "skv_raft_last_log_index")
    private let snapshotIndex = Gauge(label: "skv_raft_snapshot_index")
    /// Leader only: entries proposed (appended) but not yet committed.
    private let proposalsPending = Gauge(label: "skv_raft_proposals_pending")
    private let readIndexPending = Gauge(label: "skv_raft_read_index_pending")
    /// Bytes of the persisted log after the snapshot, plus the hard state.
    private let raftStateBytes = Gauge(label: "skv_raft_state_bytes")
    /// Members of the group as this peer has applied its membership, by role.
    private let membersByRole: [(Membership.Member.Role, Gauge)] = [.voter, .outgoingVoter, .learner].map { role in
        (role, Gauge(label: "skv_raft_members", dimensions: [("role", role.rawValue)]))
    }
    /// 1 while a joint membership change is in progress.
    private let membershipJoint = Gauge(label: "skv_raft_membership_joint")
    /// The log index of the membership change in force (0: the initial membership).
    private let membershipIndex = Gauge(label: "skv_raft_membership_index")
    private let process = ProcessMetrics()
    let service = ServiceGauges()

    /// Reads `peer` (one actor turn each for its status, its state size and its membership) and
    /// the process.
    func record(_ peer: RaftPeer) async {
        let status = await peer.status()
        term.record(status.term)
        isLeader.record(status.isLeader ? 1 : 0)
        leaderID.record(status.leaderID ?? 0)
        commitIndex.record(status.commitIndex)
        appliedIndex.record(status.appliedIndex)
        lastLogIndex.record(status.lastIndex)
        snapshotIndex.record(status.snapshotIndex)
        proposalsPending.record(status.isLeader && status.lastIndex > status.commitIndex
            ? status.lastIndex - status.commitIndex : 0)
        readIndexPending.record(status.pendingReads)
        raftStateBytes.record(await peer.raftStateSize())
        let membership = await peer.membership()
        for (role, gauge) in membersByRole { gauge.record(membership.members.filter { $0.role == role }.count) }
        membershipJoint.record(membership.isJoint ? 1 : 0)
        membershipIndex.record(membership.index)
        process.update()
    }
}

/// The replicated state machine's gauges every service records: the de-duplication table's
/// size and the submissions waiting to commit.
struct ServiceGauges: Sendable {
    private let sessions = Gauge(label: "skv_rsm_sessions")
    private let pendingSubmissions = Gauge(label: "skv_rsm_pending_submissions")

    /// Records a state machine's status.
    func record(_ status: ReplicatedStateMachine.Status) {
        sessions.record(status.sessions)
        pendingSubmissions.record(status.pendingSubmissions)
    }

    /// Records the session count of a service whose sessions live elsewhere (ShardKV's per
    /// shard tables).
    func record(sessions count: Int) { sessions.record(count) }
}

/// A ShardKV replica's gauges: the configuration it applied and how many shards it holds in
/// each state.
struct ShardGauges: Sendable {
    private let configNumber = Gauge(label: "skv_shardkv_config_number")
    private let shardsByState: [(ShardStatus, Gauge)] = ShardStatus.allCases.map { state in
        (state, Gauge(label: "skv_shardkv_shards", dimensions: [("state", "\(state)")]))
    }

    /// Records the configuration number and the shard counts by state (a state no shard is
    /// in reads 0).
    func record(configNum: UInt64, states: [ShardStatus]) {
        configNumber.record(configNum)
        for (state, gauge) in shardsByState { gauge.record(states.filter { $0 == state }.count) }
    }
}
