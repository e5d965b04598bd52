/// One member of a Raft group: the pure consensus state machine (etcd's `raft` + `RawNode`).
///
/// `RaftNode` does no I/O, owns no thread and reads no clock. Its owner (the driver) feeds it
/// events and carries out what it asks for:
/// * `tick()` at a fixed interval — the only notion of time;
/// * `step(_:)` for every message received from a peer;
/// * requests: `propose(_:)`, `campaign()`, `transferLeadership(to:)`, `readIndex(context:)`;
/// * whenever `hasReady` is true: `ready()`, do what the `Ready` says in the order its
///   documentation gives (persist, send, apply), then `advance(_:)`.
///
/// A value of this type has exactly one owner and must not be used concurrently. Restart
/// after a crash by creating a new `RaftNode` over the same (persisted) storage.
///
/// Programmer errors (invariant violations, a driver breaking the `Ready` contract) trap
/// with the offending values; expected failures of requests throw `RaftError`.
public struct RaftNode {
    public let id: UInt64
    /// `currentTerm` of the paper.
    public internal(set) var term: UInt64 = 0
    /// `votedFor` of the paper (0 = none) in `term`.
    public internal(set) var vote: UInt64 = 0
    /// The role and the state only that role has.
    var roleState: RoleState = .follower
    /// The leader of `term` as far as this node knows, or 0.
    public internal(set) var leader: UInt64 = 0

    var raftLog: RaftLog
    /// The membership in force (see `RaftNode+Membership`).
    var confState: ConfState
    /// Who votes, and how decisions are counted (one majority, or two during a joint change);
    /// always `confState.votersConfig`.
    var votersConfig: JointConfig
    /// Leader: index of the last membership change in the log; no other may be proposed
    /// until it is applied.
    var pendingConfIndex: UInt64 = 0
    /// A campaign (true: a forced one, for a leadership transfer) deferred until the committed
    /// membership changes are applied, so that it asks the voters of the membership in force.
    var campaignAfterApplying: Bool?
    /// Every voting member, sorted.
    var voters: [UInt64] { votersConfig.voters }
    var messages: [Message] = []
    var readStates: [ReadState] = []
    /// Messages from the network dropped as malformed (see `RaftNode+MessageValidation`).
    public internal(set) var droppedMessages: UInt64 = 0
    /// Why the last of them was dropped, with the message ("" if none was), for the driver's log.
    public internal(set) var lastDropReason = ""

    /// Ticks since the last election timeout reset (followers, candidates) or since the last
    /// check-quorum round (leaders).
    var electionElapsed = 0
    var heartbeatElapsed = 0
    /// Ticks since this node started (never reset): the clock of leader leases.
    var ticksElapsed: UInt64 = 0
    var randomizedElectionTimeout = 0

    let electionTimeout: Int
    let heartbeatTimeout: Int
    let maxEntriesBytesPerAppend: Int
    let maxCommittedEntriesBytesPerReady: Int
    let maxInflightAppends: Int
    let maxUncommittedEntriesBytes: Int
    let maxPendingReadIndexRequests: Int
    let checkQuorum: Bool
    let readOnlyOption: Config.ReadOnlyOption
    let preVote: Bool
    let appendsNoopOnElection: Bool
    let driverReportsSnapshots: Bool
    let learnerPromotionMaxLagEntries: Int
    let learnerPromotionTicks: Int
    let commitBroadcast: Config.CommitBroadcast
    var random: any RandomSource

    // Ready bookkeeping.
    var previousSoftState: SoftState
    var previousHardState: HardState
    var readyOutstanding = false

    /// Creates a node over `storage`, restoring the term, vote, commit index and log it
    /// holds (a brand-new node when the storage is empty), and the membership as of the
    /// applied index. The node starts as a follower. Throws if `config` is invalid or a
    /// brand-new node's storage names a membership without it (a node that joins starts with
    /// ``ConfState/unknown``; one removed from its group may restart and stays passive).
    public init(config: Config, storage: any RaftStorage) throws(ConfigError) {
        try config.validate()
        let (hardState, storedConfState) = storage.initialState()
        if hardState.isEmpty && !storedConfState.isUnknown && !storedConfState.members.contains(config.id) {
            throw .notAVoter(id: config.id, voters: storedConfState.voters)
        }
        id = config.id
        confState = storedConfState
        votersConfig = storedConfState.votersConfig
        raftLog = RaftLog(storage: storage)
        electionTimeout = config.electionTimeoutTicks
        heartbeatTimeout = config.heartbeatIntervalTicks
        maxEntriesBytesPerAppend = config.maxEntriesBytesPerAppend
        maxCommittedEntriesBytesPerReady = config.maxCommittedEntriesBytesPerReady
        maxInflightAppends = config.maxInflightAppends
        maxUncommittedEntriesBytes = config.maxUncommittedEntriesBytes
        maxPendingReadIndexRequests = config.maxPendingReadIndexRequests
        checkQuorum = config.checkQuorum
        driverReportsSnapshots = config.driverReportsSnapshots
        learnerPromotionMaxLagEntries = config.learnerPromotionMaxLagEntries
        learnerPromotionTicks = config.learnerPromotionTicks
        commitBroadcast = config.commitBroadcast
        readOnlyOption = config.readOnlyOption
        preVote = config.preVote
        appendsNoopOnElection = config.appendsNoopOnElection
        random = config.random
        previousSoftState = SoftState(leader: 0, role: .follower)
        previousHardState = .empty

        if !hardState.isEmpty {
            precondition(
                hardState.commit <= raftLog.lastIndex,
                "\(id) state.commit \(hardState.commit) is beyond lastIndex \(raftLog.lastIndex)")
            // The snapshot index is committed by definition, even if the persisted commit
            // index lags it (a driver may write commit-only hard states lazily).
            raftLog.committed = max(hardState.commit, raftLog.committed)
            term = hardState.term
            vote = hardState.vote
            previousHardState = hardState
        }
        // Skip entries the application reports as applied, but never move below the
        // snapshot (the log starts after it) or beyond the commit index.
        let alreadyApplied = min(config.appliedIndex, raftLog.committed)
        if alreadyApplied > raftLog.applied {
            raftLog.appliedTo(alreadyApplied)
        }
        // Membership changes take effect as they apply: replay those already applied.
        let snapshotIndex = raftLog.firstIndex - 1
        if raftLog.applied > snapshotIndex {
            confState = Self.membership(
                after: confState, in: storage, from: snapshotIndex, through: raftLog.applied)
            votersConfig = confState.votersConfig
        }
        becomeFollower(term: term, leader: 0)
    }

    // MARK: - Observation

    /// Highest index known to be committed.
    public var commitIndex: UInt64 { raftLog.committed }
    /// Highest index acknowledged as applied through `advance`.
    public var appliedIndex: UInt64 { raftLog.applied }
    public var lastIndex: UInt64 { raftLog.lastIndex }
    public var lastTerm: UInt64 { raftLog.lastTerm }
    public var softState: SoftState { SoftState(leader: leader, role: role) }
    /// This node's role in `term`.
    public var role: Role { roleState.role }
    /// Term, vote and commit index as they would be persisted now.
    public var hardState: HardState { HardState(term: term, vote: vote, commit: raftLog.committed) }
    /// The voting members (of either half of a joint configuration).
    public var members: [UInt64] { voters }

    /// The leader-only state. Accessing it in another role is a programmer error and traps.
    var leaderState: LeaderState {
        get {
            guard case .leader(let state) = roleState else {
                preconditionFailure("\(id) accessed leader state as \(role) in term \(term)")
            }
            return state
        }
        _modify {
            guard case .leader(var state) = roleState else {
                preconditionFailure("\(id) accessed leader state as \(role) in term \(term)")
            }
            // Release the enum's reference so that `state` is mutated in place (no copy of
            // the progress dictionary).
            roleState = .follower
            defer { roleState = .leader(state) }
            yield &state
        }
    }

    // MARK: - Events

    /// Advances logical time by one tick. Followers and candidates start an election after
    /// their randomized election timeout; leaders send heartbeats and run check-quorum.
    public mutating func tick() {
        ticksElapsed += 1
        if role == .leader {
            tickHeartbeat()
        } else {
            tickElection()
        }
    }

    /// Processes a message from a peer. Stale, duplicated and reordered messages are
    /// tolerated; malformed ones (see `malformation(of:)`) are dropped and counted in
    /// `droppedMessages`. The message must be addressed to this node.
    public mutating func step(_ m: Message) {
        precondition(m.to == id, "message \(m) delivered to \(id)")
        if let reason = malformation(of: m) {
            drop(m, because: reason)
            return
        }
        if m.term == 0 {
            // Term-less messages (readIndex forwarding) are not subject to term checks.
        } else if m.term > term {
            if m.type == .requestVote || m.type == .preVote {
                let force = m.context == Message.campaignTransferContext
                let inLease = checkQuorum && leader != 0 && electionElapsed < electionTimeout
                if !force && (inLease || startingUnderLeases) {
                    // Leader lease: we heard from a leader within the minimum election
                    // timeout, so this candidate is probably a disruptive, partitioned node.
                    // (Or we just started and may have acknowledged a lease before.)
                    return
                }
            }
            switch m.type {
            case .preVote:
                // A pre-vote never changes our term.
                break
            case .preVoteResponse where !m.reject:
                // The pre-candidate bumps its term only once it wins the pre-vote.
                break
            case .appendEntries, .heartbeat, .installSnapshot:
                becomeFollower(term: m.term, leader: m.from)
            default:
                becomeFollower(term: m.term, leader: 0)
            }
        } else if m.term < term {
            if (checkQuorum || preVote) && (m.type == .heartbeat || m.type == .appendEntries) {
                // A leader cut off by a partition never learns our higher term from votes
                // (pre-vote or the leader lease suppress them), so tell it directly; this
                // makes it step down.
                send(Message(type: .appendEntriesResponse, to: m.from))
            } else if m.type == .preVote {
                // Reject so that the pre-candidate learns our term and gives up.
                send(Message(type: .preVoteResponse, to: m.from, term: term, reject: true))
            }
            return
        }

        switch m.type {
        case .requestVote, .preVote:
            handleVoteRequest(m)
        default:
            switch role {
            case .leader: stepLeader(m)
            case .candidate, .preCandidate: stepCandidate(m)
            case .follower: stepFollower(m)
            }
        }
    }

    /// Proposes `data` to be appended to the log. Only the leader accepts proposals; the
    /// entry is replicated from the next `Ready` on. Throws `.notLeader` (with a hint),
    /// `.leadershipTransferInProgress`, or `.uncommittedBytesLimitExceeded`.
    @discardableResult
    public mutating func propose(_ data: [UInt8]) throws(RaftError) -> ProposalReceipt {
        try propose(contentsOf: [data])
    }

    /// Proposes several commands as consecutive entries, replicated together (one
    /// appendEntries per follower, within `maxEntriesBytesPerAppend`). All or none are
    /// accepted. `batch` must not be empty.
    @discardableResult
    public mutating func propose(contentsOf batch: [[UInt8]]) throws(RaftError) -> ProposalReceipt {
        precondition(!batch.isEmpty, "empty proposal batch")
        guard role == .leader else { throw .notLeader(leaderHint: leader == 0 ? nil : leader) }
        if let transferee = leaderState.leadTransferee {
            throw .leadershipTransferInProgress(transferee: transferee)
        }
        let first = raftLog.lastIndex + 1
        let entries = batch.map { Entry(term: term, index: 0, kind: .normal, data: $0) }
        guard appendEntries(entries) else {
            throw .uncommittedBytesLimitExceeded(limit: maxUncommittedEntriesBytes)
        }
        broadcastAppend()
        return ProposalReceipt(term: term, indices: first...(first + UInt64(batch.count) - 1))
    }

    /// Starts an election now (as if the election timeout elapsed), with a pre-vote round
    /// if enabled. Ignored by a leader.
    public mutating func campaign() {
        hup(transfer: false)
    }

    /// Leader only: hands leadership to `target` (thesis §3.10). The leader stops accepting
    /// proposals, brings `target` up to date and sends it `timeoutNow`; the transfer is
    /// abandoned after an election timeout. Throws `.notLeader` or `.unknownNode`.
    public mutating func transferLeadership(to target: UInt64) throws(RaftError) {
        guard role == .leader else { throw .notLeader(leaderHint: leader == 0 ? nil : leader) }
        guard leaderState.progress[target] != nil, votersConfig.contains(target) else { throw .unknownNode(target) }
        if let current = leaderState.leadTransferee {
            if current == target { return }
            abortLeaderTransfer()
        }
        if target == id { return }
        // No lease read from the moment a transfer starts (the `timeoutNow` it ends with
        // overrides the voters' lease).
        leaderState.leaseStartTick = nil
        // The transfer should finish within one election timeout; tickHeartbeat aborts it
        // otherwise.
        electionElapsed = 0
        leaderState.leadTransferee = target
        if leaderState.progress[target]!.match == raftLog.lastIndex {
            sendTimeoutNow(to: target)
        } else {
            sendAppend(to: target)
        }
    }

    /// Requests a linearizable read (ReadIndex, thesis §6.4). When leadership is confirmed
    /// by a quorum, a `ReadState(index:, context:)` appears in `Ready.readStates` (on this
    /// node, also if it is a follower, which forwards the request to its leader). The read
    /// may be served once `index` is applied. Requests can be lost (leader change, message
    /// loss): the caller retries after a timeout with a fresh context. Throws `.notLeader`
    /// if no leader is known, `.readIndexQueueFull` if this leader has too many pending.
    public mutating func readIndex(context: [UInt8]) throws(RaftError) {
        switch role {
        case .leader:
            guard !readIndexQueueIsFull else {
                throw .readIndexQueueFull(limit: maxPendingReadIndexRequests)
            }
            handleReadIndexRequest(from: id, context: context)
        case .follower where leader != 0:
            send(Message(type: .readIndex, to: leader, context: context))
        default:
            throw .notLeader(leaderHint: leader == 0 ? nil : leader)
        }
    }

    /// The driver learnt that `peer` could not be reached; a leader stops pipelining to it
    /// and falls back to probing.
    public mutating func reportUnreachable(_ peer: UInt64) {
        guard role == .leader, var pr = leaderState.progress[peer] else { return }
        if pr.state == .replicate { pr.becomeProbe() }
        leaderState.progress[peer] = pr
    }

    /// The driver reports whether a snapshot sent to `peer` was delivered. On failure the
    /// leader probes again (and resends a snapshot if still needed).
    public mutating func reportSnapshot(to peer: UInt64, succeeded: Bool) {
        guard role == .leader, var pr = leaderState.progress[peer], pr.state == .snapshot else {
            return
        }
        if succeeded {
            pr.becomeProbe()
        } else {
            pr.abandonSnapshot()
        }
        // Wait for a heartbeat response before the next append, as etcd does.
        pr.probeSent = true
        leaderState.progress[peer] = pr
    }

    // MARK: - Sending

    /// Queues `m` for the next `Ready`, stamping sender and (unless set) term.
    mutating func send(_ message: Message) {
        var m = message
        m.from = id
        switch m.type {
        case .requestVote, .preVote:
            // Vote requests carry the term they are about, which for pre-votes is not ours.
            precondition(m.term != 0, "term should be set when sending \(m.type)")
        case .requestVoteResponse, .preVoteResponse:
            // Responses carry the request's term (grants) or ours (rejections), set by the
            // caller; a rejection by a node that never left term 0 carries 0 and is then
            // treated as term-less by the candidate, which still counts it.
            break
        case .readIndex:
            // Forwarded requests carry no term; see `Message.Kind.readIndex`.
            m.term = 0
        default:
            precondition(
                m.term == 0, "term should not be set when sending \(m.type) (was \(m.term))")
            m.term = term
        }
        messages.append(m)
    }
}
