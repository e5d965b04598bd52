import ArgumentParser

/// `skv kv member …`, `skv ctrler member …`, `skv shard member … --group G`: list and change
/// a Raft group's members through its `skv.raft.Membership` service (see
/// ``MemberGroupOptions`` for the exit statuses).
struct MemberCommandGroup<Options: MemberGroupOptions>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "member", abstract: "List or change the group's members (voters and learners).",
            subcommands: [
                MemberListCommand<Options>.self, MemberAddCommand<Options>.self, MemberAddLearnerCommand<Options>.self,
                MemberPromoteCommand<Options>.self, MemberRemoveCommand<Options>.self,
            ])
    }

    /// Exit status when the group refused the change.
    static var exitRefused: Int32 { 1 }
}
