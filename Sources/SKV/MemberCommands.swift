import ArgumentParser
import RaftRuntime

/// `skv … member list [--json]`: the membership as the group's leader (or, without one, any
/// replica) has applied it.
struct MemberListCommand<Options: MemberGroupOptions>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "list", abstract: "Show the members, their roles and the joint state.")
    }
    @OptionGroup var options: Options
    @Flag(help: "Print JSON instead of a table.") var json = false

    func run() async throws {
        let membership = await options.withMembershipClerk { clerk throws(MembershipClerkError) in
            try await clerk.list()
        }
        MemberChange<Options>.print(membership, json: json)
    }
}

/// `skv … member add ID ADDRESS`: adds a learner that the leader promotes to voter once it has
/// caught up, then prints how to start it.
struct MemberAddCommand<Options: MemberGroupOptions>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "add", abstract: "Add a member: a learner promoted to voter once it has caught up.")
    }
    @OptionGroup var change: MemberChange<Options>
    @OptionGroup var member: NewMemberArguments

    func run() async throws { await change.add(member, MembershipRequest.add) }
}

/// `skv … member add-learner ID ADDRESS`: adds a learner (promote it later), then prints how
/// to start it.
struct MemberAddLearnerCommand<Options: MemberGroupOptions>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "add-learner", abstract: "Add a learner (a non-voting member).")
    }
    @OptionGroup var change: MemberChange<Options>
    @OptionGroup var member: NewMemberArguments

    func run() async throws { await change.add(member, MembershipRequest.addLearner) }
}

/// `skv … member promote ID`: makes a learner a voter now.
struct MemberPromoteCommand<Options: MemberGroupOptions>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "promote", abstract: "Make a learner a voter.")
    }
    @OptionGroup var change: MemberChange<Options>
    @Argument(help: "The learner's Raft id.") var id: String

    func run() async throws { _ = await change.run(.promote(id: MemberChange<Options>.parse(id: id))) }
}

/// `skv … member remove ID`: removes a voter or a learner (its id may not rejoin). Removing
/// the leader makes it hand leadership over first; the command then asks the new leader.
struct MemberRemoveCommand<Options: MemberGroupOptions>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "remove", abstract: "Remove a member (its id may not rejoin).")
    }
    @OptionGroup var change: MemberChange<Options>
    @Argument(help: "The member's Raft id.") var id: String

    func run() async throws { _ = await change.run(.remove(id: MemberChange<Options>.parse(id: id))) }
}

/// `ID ADDRESS` of `member add` and `member add-learner`.
struct NewMemberArguments: ParsableArguments {
    @Argument(help: "The new member's Raft id (positive, never used in the group before).") var id: String
    @Argument(help: "The new member's address, HOST:PORT (its --listen).") var address: String
}

/// The options of the member commands that change the membership, and what they share.
struct MemberChange<Options: MemberGroupOptions>: ParsableArguments {
    @OptionGroup var options: Options
    @Flag(help: "Make the change even if it would leave the voters heard from recently without a quorum.")
    var force = false
    @Flag(help: "Print the resulting membership as JSON instead of a table.") var json = false

    /// Makes `request` through the leader and prints the resulting membership.
    func run(_ request: MembershipRequest) async -> Membership {
        let membership = await options.withMembershipClerk { clerk throws(MembershipClerkError) in
            try await clerk.change(request, force: force)
        }
        await options.membershipChanged(membership)
        Self.print(membership, json: json)
        return membership
    }

    /// `add`/`add-learner ID ADDRESS` (exit 2 for either malformed): makes the change, prints
    /// the membership and (not with `--json`) how to start the new member.
    func add(_ member: NewMemberArguments, _ request: (UInt64, String) -> MembershipRequest) async {
        let (id, address) = Self.parse(id: member.id, address: member.address)
        printStartLine(await run(request(id, address)), id: id, address: address)
    }

    /// After `add`/`add-learner` (not with `--json`): the command that starts the new member,
    /// with every member's address as `--peer` and `--join`.
    func printStartLine(_ membership: Membership, id: UInt64, address: String) {
        guard !json else { return }
        let peers = membership.members.map { member in
            "--peer \(member.id)=\(member.id == id ? address : member.address ?? "?")"
        }
        Swift.print("start the new member with:")
        Swift.print(
            "  \(options.serveCommand) --id \(id) --listen \(address) \(peers.joined(separator: " ")) "
                + "--data-dir <DIR> --join")
    }

    /// `membership` as a table, or as JSON.
    static func print(_ membership: Membership, json: Bool) {
        if json {
            Swift.print(membership.json.text)
        } else {
            for line in membership.tableLines { Swift.print(line) }
        }
    }

    /// A member id argument (exit 2 unless a positive integer).
    static func parse(id text: String) -> UInt64 {
        guard let id = UInt64(text), id > 0 else {
            fail("invalid member id '\(text)': expected a positive integer", status: SKVCommand.exitBadOptions)
        }
        return id
    }

    /// A member id and address argument (exit 2 for either malformed); the address as given.
    static func parse(id: String, address: String) -> (UInt64, String) {
        let id = parse(id: id)
        do throws(SKVError) {
            return (id, "\(try Address(parsing: address))")
        } catch {
            fail(error.message, status: SKVCommand.exitBadOptions)
        }
    }
}
