import ArgumentParser

/// `skv`: the swift-skv command line. `skv kv serve` runs one replica of the KV group;
/// `skv kv get|put|append|delete|status` are its clients.
@main
struct SKVCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skv", abstract: "A fault-tolerant key/value service on Raft.",
        subcommands: [KVCommandGroup.self])
}

/// `skv kv ...`.
struct KVCommandGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kv", abstract: "Run or talk to the replicated KV service.",
        subcommands: [
            ServeCommand.self, GetCommand.self, PutCommand.self, AppendCommand.self, DeleteCommand.self,
            StatusCommand.self, BenchCommand.self,
        ])
}
