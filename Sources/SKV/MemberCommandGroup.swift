import ArgumentParser

/// `skv kv member …`, `skv ctrler member …`, `skv shard member … --group G`: list and change
/// a Raft group's members through its `skv.raft.Membership` service (see
/// ``MemberGroupOptions`` for the exit statuses). Over TLS the service is for members only:
/// present a certificate whose common name the daemons allow (`--peer-cert-allowed-cn`).
struct MemberCommandGroup<Options: MemberGroupOptions>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "member", abstract: "List or change the group's members (voters and learners).",
            discussion: """
                Changes go to the leader (leader hints are followed). Over TLS, give --tls-cert and --tls-key of a \
                certificate the daemons allow with --peer-cert-allowed-cn (membership is for members and operators).
                """,
            subcommands: [
                MemberListCommand<Options>.self, MemberAddCommand<Options>.self, MemberAddLearnerCommand<Options>.self,
                MemberPromoteCommand<Options>.self, MemberRemoveCommand<Options>.self,
            ])
    }

    /// Exit status when the group refused the change.
    static var exitRefused: Int32 { 1 }
}
