extension ClusterStatus {
    /// `/status.json`: the view as the status page's script reads it.
    var json: JSONValue {
        .object([
            ("kind", .string(kind.rawValue)),
            ("observer", .string(observer)),
            ("configNum", .optional(configNum)),
            ("problems", .array(problems.map(JSONValue.string))),
            ("groups", .array(groups.map(\.json))),
            (
                "shards",
                .array(
                    shards.map { shard in
                        .object([
                            ("shard", .integer(Int64(shard.shard))), ("gid", .optional(shard.gid)),
                            ("state", .optional(shard.state)), ("migrating", .bool(shard.migrating)),
                        ])
                    })
            ),
        ])
    }

    /// The terminal summary of `skv … status`: two lines per group (leader, term, commit,
    /// reachable members; its membership), then, for ShardKV, the shard map (`*` marks a shard
    /// in migration).
    /// The per-member lines are the commands' own.
    var summaryLines: [String] {
        var lines: [String] = []
        if kind != .kv { lines.append("configuration \(configNum.map(String.init) ?? "unknown")") }
        for problem in problems { lines.append("problem: \(problem)") }
        for group in groups {
            let leader = group.leader.map { "\($0.id.map(String.init) ?? "?") (\($0.address))" } ?? "none"
            let title = group.gid.map { "group \($0)" } ?? "group \(group.name)"
            lines.append(
                "\(title): leader \(leader), term \(ClusterStatus.field(group.term)), "
                    + "commit \(ClusterStatus.field(group.commitIndex)), "
                    + "\(group.reachableCount) of \(group.members.count) members reachable")
            let membership = group.membership?.summary ?? "unknown (no member answered skv.raft.Membership/List)"
            lines.append("\(title) membership: \(membership)")
        }
        if !shards.isEmpty {
            let map = shards.map { shard in
                "\(shard.shard)=" + (shard.gid.map(String.init) ?? "-") + (shard.migrating ? "*" : "")
            }
            lines.append("shard map: " + map.joined(separator: " ") + " (* in migration)")
        }
        return lines
    }
}

extension ClusterStatus.Group {
    var json: JSONValue {
        let commit = commitIndex
        return .object([
            ("name", .string(name)), ("gid", .optional(gid)), ("leader", .optional(leader?.id)),
            ("term", .optional(term)), ("commitIndex", .optional(commit)),
            ("members", .array(members.map { $0.json(groupCommit: commit, membershipRole: membershipRole(of: $0)) })),
            ("membership", membership.map(\.json) ?? .null),
            ("membershipSummary", .optional(membership?.summary)),
        ])
    }
}

extension ClusterStatus.Member {
    /// - Parameter membershipRole: ``ClusterStatus/Group/membershipRole(of:)``.
    func json(groupCommit: UInt64?, membershipRole: String?) -> JSONValue {
        .object([
            ("address", .string(address)), ("id", .optional(id)), ("reachable", .bool(error == nil)),
            ("membershipRole", .optional(membershipRole)),
            ("error", .optional(error)), ("role", .string(role)), ("term", .optional(term)),
            ("leaderId", .optional(leaderID)), ("commitIndex", .optional(commitIndex)),
            ("appliedIndex", .optional(appliedIndex)), ("lag", .optional(lag(behind: groupCommit))),
            ("configNum", .optional(configNum)),
            (
                "shards",
                .array(
                    shards.map {
                        .object([
                            ("shard", .integer(Int64($0.shard))), ("state", .string($0.state)),
                            ("keys", .unsigned($0.keys)),
                        ])
                    })
            ),
        ])
    }
}
