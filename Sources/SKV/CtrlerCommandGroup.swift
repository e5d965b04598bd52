import ArgumentParser

/// `skv ctrler ...`: the shard controller group's daemon and its operator commands.
struct CtrlerCommandGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ctrler", abstract: "Run or operate the shard controller (which group serves each shard).",
        subcommands: [
            CtrlerServeCommand.self, CtrlerJoinCommand.self, CtrlerLeaveCommand.self, CtrlerMoveCommand.self,
            CtrlerQueryCommand.self, CtrlerStatusCommand.self, MemberCommandGroup<CtrlerClientOptions>.self,
        ])
}
