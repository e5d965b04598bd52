import ArgumentParser

/// `skv status`: the cluster at a glance in a terminal, as the status page shows it. With
/// `--ctrlers` it is `skv shard status` (the controller group, every replica group, the shard
/// map with shards in migration marked); otherwise `skv kv status` (the KV group at
/// `--endpoints`, or the default endpoints). Takes those commands' options (TLS, `--timeout`).
struct ClusterStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Summarize a cluster: the sharded cluster with --ctrlers, else a KV group (--endpoints).",
        discussion: "Takes the options of `skv shard status` (with --ctrlers) or `skv kv status`.")

    @Argument(parsing: .captureForPassthrough, help: "Options of `skv shard status` or `skv kv status`.")
    var options: [String] = []

    func run() async throws {
        let sharded = options.contains { $0 == "--ctrlers" || $0.hasPrefix("--ctrlers=") }
        if options.contains("--help") || options.contains("-h") {
            print(sharded ? ShardStatusCommand.helpMessage() : StatusCommand.helpMessage())
            return
        }
        if sharded {
            let command = try ShardStatusCommand.parse(options)
            try await command.run()
        } else {
            let command = try StatusCommand.parse(options)
            try await command.run()
        }
    }
}
