import ArgumentParser

/// `skv shard ...`: the sharded KV service's replica daemon and its clients.
struct ShardCommandGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shard", abstract: "Run or talk to the sharded KV service.",
        subcommands: [
            ShardServeCommand.self, GetCommand<ShardClientOptions>.self, PutCommand<ShardClientOptions>.self,
            AppendCommand<ShardClientOptions>.self, DeleteCommand<ShardClientOptions>.self, ShardStatusCommand.self,
            ShardBenchCommand.self, MemberCommandGroup<ShardMemberOptions>.self,
        ])
}
