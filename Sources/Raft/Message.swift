/// A message between Raft nodes, modelled on etcd's `raftpb.Message`.
///
/// The core produces messages in `Ready.messages`; the driver sends them (after persisting
/// that `Ready`) and feeds messages received from peers into `RaftNode.step(_:)`. The
/// transport may drop, duplicate or reorder messages; Raft tolerates all three. Which fields
/// are meaningful depends on `type`; unused fields keep their zero value.
public struct Message: Sendable, Hashable {
    /// The kind of a message. The etcd name is given for each case.
    public enum Kind: Sendable, Hashable, CustomStringConvertible {
        /// `MsgApp`: leader → follower, entries after (`index`, `logTerm`), plus `commit`.
        case appendEntries
        /// `MsgAppResp`: follower → leader. Success: `index` is the follower's last matching
        /// index. Rejection: `index` is the rejected `index`, and (`rejectHint`, `logTerm`)
        /// name the follower's best guess of the last index that may match (fast back-off).
        case appendEntriesResponse
        /// `MsgVote`: candidate → all; (`index`, `logTerm`) describe the candidate's last entry.
        case requestVote
        /// `MsgVoteResp`.
        case requestVoteResponse
        /// `MsgPreVote`: like `requestVote` but for `term` + 1 without incrementing `term`.
        case preVote
        /// `MsgPreVoteResp`.
        case preVoteResponse
        /// `MsgSnap`: leader → follower, carries `snapshot`. The follower answers with an
        /// `appendEntriesResponse`.
        case installSnapshot
        /// `MsgHeartbeat`: leader → follower, carries `commit` (capped at the follower's
        /// match index) and the `context` of the newest pending ReadIndex request.
        case heartbeat
        /// `MsgHeartbeatResp`: echoes `context`.
        case heartbeatResponse
        /// `MsgTimeoutNow`: leader → transfer target: start an election now, skipping pre-vote
        /// and leader lease.
        case timeoutNow
        /// `MsgReadIndex`: follower → leader, forwards a read request identified by
        /// `context`. Carries term 0 (like etcd) so it is never rejected as stale.
        case readIndex
        /// `MsgReadIndexResp`: leader → follower, `index` is the read index for `context`.
        case readIndexResponse

        public var description: String {
            switch self {
            case .appendEntries: "appendEntries"
            case .appendEntriesResponse: "appendEntriesResponse"
            case .requestVote: "requestVote"
            case .requestVoteResponse: "requestVoteResponse"
            case .preVote: "preVote"
            case .preVoteResponse: "preVoteResponse"
            case .installSnapshot: "installSnapshot"
            case .heartbeat: "heartbeat"
            case .heartbeatResponse: "heartbeatResponse"
            case .timeoutNow: "timeoutNow"
            case .readIndex: "readIndex"
            case .readIndexResponse: "readIndexResponse"
            }
        }

        /// The response kind a vote request of this kind expects.
        var voteResponse: Kind {
            switch self {
            case .requestVote: .requestVoteResponse
            case .preVote: .preVoteResponse
            default: preconditionFailure("\(self) is not a vote request")
            }
        }
    }

    public var type: Kind
    public var from: UInt64
    public var to: UInt64
    public var term: UInt64
    /// Term of the entry at `index` (appendEntries, votes), or the conflict term of a
    /// rejected appendEntriesResponse.
    public var logTerm: UInt64
    public var index: UInt64
    public var entries: [Entry]
    public var commit: UInt64
    public var reject: Bool
    /// On a rejected appendEntriesResponse: the follower's hint for the next index to probe.
    public var rejectHint: UInt64
    public var snapshot: Snapshot?
    /// Opaque bytes: ReadIndex request ids, or `Message.campaignTransferContext` on votes.
    public var context: [UInt8]

    public init(
        type: Kind,
        from: UInt64 = 0,
        to: UInt64 = 0,
        term: UInt64 = 0,
        logTerm: UInt64 = 0,
        index: UInt64 = 0,
        entries: [Entry] = [],
        commit: UInt64 = 0,
        reject: Bool = false,
        rejectHint: UInt64 = 0,
        snapshot: Snapshot? = nil,
        context: [UInt8] = []
    ) {
        self.type = type
        self.from = from
        self.to = to
        self.term = term
        self.logTerm = logTerm
        self.index = index
        self.entries = entries
        self.commit = commit
        self.reject = reject
        self.rejectHint = rejectHint
        self.snapshot = snapshot
        self.context = context
    }

    /// Context marking a vote request caused by leadership transfer; such requests bypass
    /// the leader lease of the voters (thesis §3.10, §4.2.3).
    public static let campaignTransferContext: [UInt8] = Array("CampaignTransfer".utf8)
}

extension Message: CustomStringConvertible {
    public var description: String {
        var s = "\(from)->\(to) \(type) term=\(term)"
        switch type {
        case .appendEntries:
            let positions = entries.map { "\($0.term)/\($0.index)" }
            s += " logTerm=\(logTerm) index=\(index) commit=\(commit) entries=\(positions)"
        case .appendEntriesResponse:
            s += " index=\(index)" + (reject ? " reject hint=\(rejectHint) logTerm=\(logTerm)" : "")
        case .requestVote, .preVote:
            s += " logTerm=\(logTerm) index=\(index)"
        case .requestVoteResponse, .preVoteResponse:
            s += reject ? " rejected" : " granted"
        case .installSnapshot:
            s += " snapshot=\(snapshot?.metadata.index ?? 0)/\(snapshot?.metadata.term ?? 0)"
        case .heartbeat:
            s += " commit=\(commit)"
        case .heartbeatResponse, .timeoutNow, .readIndex:
            break
        case .readIndexResponse:
            s += " index=\(index)"
        }
        if !context.isEmpty {
            s +=
                " context="
                + (context == Message.campaignTransferContext ? "transfer" : "\(context.count)B")
        }
        return s
    }
}
