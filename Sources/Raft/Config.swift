/// Parameters of one `RaftNode`, validated once by `validate()` (called by `RaftNode.init`).
///
/// Every limit carries its unit in its name. Time is counted in ticks: the driver calls
/// `RaftNode.tick()` at a fixed interval of its choosing (etcd uses 100 ms), so
/// `electionTimeoutTicks = 10` means about one second at that rate.
public struct Config: Sendable {
    /// When a leader tells its followers that its commit index advanced.
    public enum CommitBroadcast: Sendable, Hashable {
        /// At once: every advance sends each follower an append (empty if it has every
        /// entry) carrying the new commit index, as etcd/raft and raft-rs do.
        case immediate
        /// With the next append the leader sends anyway (a proposal's), or else at its next
        /// tick. Followers then learn a commit up to one tick later when the group is idle,
        /// and under load with the append of the next entries; the leader saves one message
        /// per follower per advance. Safety is unchanged: a follower's commit index is soft
        /// state and only ever comes from the leader; the leader's own commit, applies and
        /// reads do not wait for it.
        case nextTick
    }

    /// How a leader serves `RaftNode.readIndex(context:)`.
    public enum ReadOnlyOption: Sendable, Hashable {
        /// Confirm leadership with a heartbeat round acknowledged by a quorum before
        /// answering (thesis §6.4). Linearizable without relying on clocks.
        case safe
        /// Leader leases (thesis §6.4.1): once a heartbeat round sent at tick S was
        /// acknowledged by a quorum, the leader answers reads at once, without a round, until
        /// tick S + electionTimeout × 100 / (100 + `maxClockDriftPercent`) − 1; later reads
        /// renew the lease with a round of their own.
        ///
        /// Why it holds: with check-quorum a voter that heard from the leader (at or after S)
        /// refuses every vote and pre-vote for an election timeout by its own clock, and any
        /// quorum that could elect a new leader contains one of the acknowledging voters; a
        /// node also refuses votes for its first election timeout after it starts (it may have
        /// acknowledged a lease before a crash). It relies on clocks: the tick rates of any two
        /// nodes differ by at most `maxClockDriftPercent`, and a paused process (SIGSTOP, a VM
        /// freeze) counts as drift. A leader that has sent `timeoutNow` (leadership transfer,
        /// which bypasses the voters' lease) serves no lease read for the rest of its term.
        /// Requires `checkQuorum`; every member must run the same option. Off by default.
        case leaseBased(maxClockDriftPercent: Int)
    }

    /// This node's id; nonzero (0 means "none" in votes and leader ids).
    public var id: UInt64
    /// Base election timeout T. Each follower/candidate waits a random number of ticks in
    /// [T, 2T) without hearing from a leader before starting an election (§5.2). Must be
    /// greater than `heartbeatIntervalTicks`.
    public var electionTimeoutTicks: Int
    /// A leader sends heartbeats every this many ticks.
    public var heartbeatIntervalTicks: Int
    /// Upper bound on the total `Entry.approximateBytes` of one appendEntries message; a
    /// single larger entry is still sent alone. Also bounds committed entries per `Ready`.
    public var maxEntriesBytesPerAppend: Int
    /// Upper bound on the total `Entry.approximateBytes` of `Ready.committedEntries` (at
    /// least one entry is always handed out).
    public var maxCommittedEntriesBytesPerReady: Int
    /// Maximum number of appendEntries messages in flight (sent, not yet acknowledged) to one
    /// follower in the replicate state; the pipelining window.
    public var maxInflightAppends: Int
    /// A leader refuses proposals once the payload bytes of its uncommitted entries would
    /// exceed this limit (a proposal is always accepted when nothing is uncommitted).
    public var maxUncommittedEntriesBytes: Int
    /// Run a pre-vote round before a real election (thesis §9.6) so that a node rejoining
    /// from a partition does not force the cluster into a new term.
    public var preVote: Bool
    /// A leader steps down when it has not heard from a quorum within an election timeout,
    /// and followers that heard from a leader within an election timeout refuse votes
    /// (leader lease, thesis §4.2.3 and §6.2).
    public var checkQuorum: Bool
    /// Whether a new leader appends an empty entry of its term (§5.4.2, §8). With `false`,
    /// command indices are consecutive from 1 as in the 6.824 labs, but entries of earlier
    /// terms commit only once the leader commits a new proposal, and ReadIndex requests wait
    /// for one. Default `true`.
    public var appendsNoopOnElection: Bool
    public var readOnlyOption: ReadOnlyOption
    /// A leader holds at most this many ReadIndex requests awaiting confirmation; beyond
    /// it, local requests throw `.readIndexQueueFull` and forwarded ones are dropped (the
    /// requesting follower's caller times out and retries).
    public var maxPendingReadIndexRequests: Int
    /// The last index the application has already applied (on restart); committed entries
    /// at or below it are not handed out again. 0 means "replay from the snapshot".
    public var appliedIndex: UInt64
    /// Source of election jitter. Seed it differently per node (and per run in production).
    public var random: any RandomSource
    /// Whether the driver reports the outcome of every snapshot it sends
    /// (`RaftNode.reportSnapshot(to:succeeded:)`) within bounded time. If so, a leader keeps a
    /// follower in the snapshot state until the report or the follower's acknowledgement,
    /// however long the transfer takes, so exactly one snapshot is in flight per follower.
    /// If not (the default, for drivers that lose messages silently), a leader gives up on an
    /// unacknowledged snapshot after an election timeout and may send it again, even while
    /// the first copy is still on its way (a resend storm over a link slower than
    /// snapshot bytes per election timeout).
    public var driverReportsSnapshots: Bool
    /// A learner added to become a voter once caught up (``ConfChange/Change/Kind/addVoterWhenCaughtUp``)
    /// is promoted by the leader once its match index has been within this many entries of the
    /// leader's last index for `learnerPromotionTicks` ticks in a row.
    public var learnerPromotionMaxLagEntries: Int
    /// See `learnerPromotionMaxLagEntries`.
    public var learnerPromotionTicks: Int
    /// When followers hear of a new commit index (see ``CommitBroadcast``). Default
    /// `.immediate`.
    public var commitBroadcast: CommitBroadcast

    public init(
        id: UInt64,
        electionTimeoutTicks: Int = 10,
        heartbeatIntervalTicks: Int = 1,
        maxEntriesBytesPerAppend: Int = 1 << 20,
        maxCommittedEntriesBytesPerReady: Int = 4 << 20,
        maxInflightAppends: Int = 256,
        maxUncommittedEntriesBytes: Int = 64 << 20,
        preVote: Bool = true,
        checkQuorum: Bool = true,
        appendsNoopOnElection: Bool = true,
        readOnlyOption: ReadOnlyOption = .safe,
        maxPendingReadIndexRequests: Int = 4096,
        appliedIndex: UInt64 = 0,
        random: (any RandomSource)? = nil,
        driverReportsSnapshots: Bool = false,
        learnerPromotionMaxLagEntries: Int = 64,
        learnerPromotionTicks: Int = 10,
        commitBroadcast: CommitBroadcast = .immediate
    ) {
        self.id = id
        self.electionTimeoutTicks = electionTimeoutTicks
        self.heartbeatIntervalTicks = heartbeatIntervalTicks
        self.maxEntriesBytesPerAppend = maxEntriesBytesPerAppend
        self.maxCommittedEntriesBytesPerReady = maxCommittedEntriesBytesPerReady
        self.maxInflightAppends = maxInflightAppends
        self.maxUncommittedEntriesBytes = maxUncommittedEntriesBytes
        self.preVote = preVote
        self.checkQuorum = checkQuorum
        self.appendsNoopOnElection = appendsNoopOnElection
        self.readOnlyOption = readOnlyOption
        self.maxPendingReadIndexRequests = maxPendingReadIndexRequests
        self.appliedIndex = appliedIndex
        self.random = random ?? SplitMix64(seed: id)
        self.driverReportsSnapshots = driverReportsSnapshots
        self.learnerPromotionMaxLagEntries = learnerPromotionMaxLagEntries
        self.learnerPromotionTicks = learnerPromotionTicks
        self.commitBroadcast = commitBroadcast
    }

    /// Checks every field; called once by `RaftNode.init`.
    public func validate() throws(ConfigError) {
        if id == 0 { throw .invalidID }
        if heartbeatIntervalTicks <= 0 {
            throw .nonPositive(field: "heartbeatIntervalTicks", value: heartbeatIntervalTicks)
        }
        if electionTimeoutTicks <= heartbeatIntervalTicks {
            throw .electionTimeoutNotAboveHeartbeat(
                electionTimeoutTicks: electionTimeoutTicks,
                heartbeatIntervalTicks: heartbeatIntervalTicks)
        }
        if maxEntriesBytesPerAppend <= 0 {
            throw .nonPositive(field: "maxEntriesBytesPerAppend", value: maxEntriesBytesPerAppend)
        }
        if maxCommittedEntriesBytesPerReady <= 0 {
            throw .nonPositive(
                field: "maxCommittedEntriesBytesPerReady", value: maxCommittedEntriesBytesPerReady)
        }
        if maxInflightAppends <= 0 {
            throw .nonPositive(field: "maxInflightAppends", value: maxInflightAppends)
        }
        if maxPendingReadIndexRequests <= 0 {
            throw .nonPositive(
                field: "maxPendingReadIndexRequests", value: maxPendingReadIndexRequests)
        }
        if maxUncommittedEntriesBytes <= 0 {
            throw .nonPositive(
                field: "maxUncommittedEntriesBytes", value: maxUncommittedEntriesBytes)
        }
        if learnerPromotionMaxLagEntries < 0 {
            throw .nonPositive(field: "learnerPromotionMaxLagEntries", value: learnerPromotionMaxLagEntries)
        }
        if learnerPromotionTicks <= 0 {
            throw .nonPositive(field: "learnerPromotionTicks", value: learnerPromotionTicks)
        }
        if case .leaseBased(let drift) = readOnlyOption {
            if !checkQuorum { throw .leaseReadsNeedCheckQuorum }
            if drift < 0 || drift > 100 { throw .clockDriftOutOfRange(percent: drift) }
        }
    }
}
