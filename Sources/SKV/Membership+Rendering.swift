import RaftRuntime

extension Membership {
    /// `skv … member list`: a summary line (membership index, leader, joint state), one row per
    /// member (id, address, role, whether it leads or is promoted once caught up), and the
    /// removed ids.
    var tableLines: [String] {
        let leader = leaderID.map(String.init) ?? "none"
        var lines = [
            "membership index \(index), leader \(leader), \(isJoint ? "joint change in progress" : "not joint"), "
                + "\(members.filter { $0.role != .learner }.count) voters, "
                + "\(members.filter { $0.role == .learner }.count) learners"
        ]
        let rows = [["ID", "ADDRESS", "ROLE", "NOTE"]] + members.map { member in
            var notes: [String] = []
            if member.id == leaderID { notes.append("leader") }
            if member.promotesWhenCaughtUp { notes.append("promoted when caught up") }
            return ["\(member.id)", member.address ?? "?", member.role.rawValue, notes.joined(separator: ", ")]
        }
        let widths = (0..<3).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let padded = (0..<3).map { row[$0] + String(repeating: " ", count: widths[$0] - row[$0].count) }
            lines.append((padded + [row[3]]).joined(separator: "  ").trimmingTrailingSpaces)
        }
        if !removedIDs.isEmpty {
            lines.append("removed (may not rejoin): " + removedIDs.map(String.init).joined(separator: ", "))
        }
        return lines
    }

    /// One line: the index, the voters and learners by id, and the joint state
    /// (`skv … status`, the status page).
    var summary: String {
        func ids(_ role: Member.Role) -> String {
            let list = members.filter { $0.role == role }.map { "\($0.id)" + ($0.promotesWhenCaughtUp ? "*" : "") }
            return list.isEmpty ? "none" : list.joined(separator: ",")
        }
        var text = "index \(index), voters \(ids(.voter))"
        if isJoint { text += ", outgoing voters \(ids(.outgoingVoter)) (joint change in progress)" }
        text += ", learners \(ids(.learner))"
        if members.contains(where: \.promotesWhenCaughtUp) { text += " (* promoted when caught up)" }
        if !removedIDs.isEmpty { text += ", removed \(removedIDs.map(String.init).joined(separator: ","))" }
        return text
    }

    /// `--json` of the member commands.
    var json: JSONValue {
        .object([
            ("index", .unsigned(index)), ("joint", .bool(isJoint)), ("leader", .optional(leaderID)),
            (
                "members",
                .array(
                    members.map {
                        .object([
                            ("id", .unsigned($0.id)), ("address", .optional($0.address)),
                            ("role", .string($0.role.rawValue)),
                            ("promotesWhenCaughtUp", .bool($0.promotesWhenCaughtUp)),
                        ])
                    })
            ),
            ("removed", .array(removedIDs.map(JSONValue.unsigned))),
        ])
    }
}

extension String {
    /// The string without trailing spaces (a table's last padded column).
    fileprivate var trimmingTrailingSpaces: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
