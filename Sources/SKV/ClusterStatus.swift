import RaftRuntime

/// The cluster at a glance, as the status page (`/status.json`) and `skv … status` show it:
/// each replica group with its members' Raft state as they answer their service's `Status`
/// RPC (an unreachable member is listed with the error) and its membership (voters, learners,
/// joint state) as its leader reports it, and for ShardKV the controller's latest
/// configuration as a shard → group map with the shards in migration marked.
struct ClusterStatus: Sendable {
    /// What the cluster runs.
    enum Kind: String, Sendable {
        case kv
        case ctrler
        case shardkv
    }

    var kind: Kind
    /// The node that assembled this view (`id` and its group), for the page's title.
    var observer: String
    /// ShardKV: the controller's latest configuration number (nil for a KV group, or when
    /// the controller did not answer).
    var configNum: UInt64?
    var groups: [Group]
    /// ShardKV: one entry per shard, in shard order (empty when no configuration is known).
    var shards: [Shard] = []
    /// Problems with the view itself (the controller unreachable, …), one line each.
    var problems: [String] = []

    /// A value for a `key=value` field of the terminal output (`-` when unknown).
    static func field(_ value: UInt64?) -> String { value.map(String.init) ?? "-" }

    /// One Raft group.
    struct Group: Sendable {
        /// `kv`, `ctrler`, or the ShardKV gid.
        var name: String
        var gid: UInt64?
        var members: [Member]
        /// The membership as the group's leader (or any member) reported it; nil if none did.
        var membership: Membership?

        /// The member that claims leadership in the highest term (a deposed leader may not
        /// know yet; the newest claim wins).
        var leader: Member? {
            members.filter { $0.isLeader == true }.max { ($0.term ?? 0) < ($1.term ?? 0) }
        }

        /// The highest term any reachable member reports.
        var term: UInt64? { members.compactMap(\.term).max() }

        /// The highest commit index any reachable member reports.
        var commitIndex: UInt64? { members.compactMap(\.commitIndex).max() }

        var reachableCount: Int { members.filter { $0.error == nil }.count }

        /// What `member` is in the group's membership: `voter`, `outgoing-voter`, `learner`,
        /// `removed`, `not a member`; nil when the membership or the member's id is unknown.
        func membershipRole(of member: Member) -> String? {
            guard let membership, let id = member.id else { return nil }
            if let role = membership.member(id)?.role { return role.rawValue }
            return membership.removedIDs.contains(id) ? "removed" : "not a member"
        }
    }

    /// One member as it answered (or the error it did not answer with).
    struct Member: Sendable {
        var address: String
        var id: UInt64?
        var error: String?
        var term: UInt64?
        var isLeader: Bool?
        var leaderID: UInt64?
        var commitIndex: UInt64?
        var appliedIndex: UInt64?
        /// KV only.
        var snapshotIndex: UInt64?
        var raftStateBytes: UInt64?
        /// ShardKV only: the configuration it applied, and the shards it holds something for.
        var configNum: UInt64?
        var shards: [HeldShard] = []

        static func unreachable(_ address: String, id: UInt64? = nil, error: String) -> Member {
            Member(address: address, id: id, error: error)
        }

        /// How far its applied index trails the group's commit index.
        func lag(behind commitIndex: UInt64?) -> UInt64? {
            guard let commitIndex, let appliedIndex else { return nil }
            return commitIndex > appliedIndex ? commitIndex - appliedIndex : 0
        }

        var role: String {
            guard error == nil else { return "unreachable" }
            return isLeader == true ? "leader" : "follower"
        }
    }

    /// A shard a ShardKV member holds, with its migration state (`serving`, `pulling`,
    /// `bePulled`, `gcPending`, `retained`).
    struct HeldShard: Sendable {
        var shard: Int
        var state: String
        var keys: UInt64
    }

    /// One shard of the map.
    struct Shard: Sendable {
        var shard: Int
        /// The group the configuration gives it to (nil: no group).
        var gid: UInt64?
        /// The owner's state for it as its leader reports (`serving`, `pulling`, …; nil if
        /// unknown), and whether it is moving (pulled in, or waiting for the old copy's
        /// deletion, or still held by a previous owner).
        var state: String?
        var migrating: Bool
    }
}
