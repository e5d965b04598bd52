import ArgumentParser

/// `skv`: the swift-skv command line. `skv kv serve` runs one replica of the KV group;
/// `skv kv get|put|append|delete|status` are its clients. `skv ctrler serve` runs one replica
/// of the shard controller; `skv ctrler join|leave|move|query` operate it. `skv shard serve`
/// runs one replica of a ShardKV replica group. `skv status` summarizes a KV group or the
/// sharded cluster.
///
/// Options the parser rejects (a missing or unknown flag, a value of the wrong type) exit
/// with status 2 and one `skv: ...` line, like the commands' own option checks; `--help`
/// prints the usage.
@main
struct SKVCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skv", abstract: "A fault-tolerant key/value service on Raft.",
        subcommands: [KVCommandGroup.self, CtrlerCommandGroup.self, ShardCommandGroup.self, ClusterStatusCommand.self])

    /// Exit status for invalid options.
    static let exitBadOptions: Int32 = 2

    static func main() async {
        let commandLine = Array(CommandLine.arguments.dropFirst())
        let arguments: [String]
        let configFile: ConfigFile?
        do throws(SKVError) {
            (arguments, configFile) = try ConfigFile.expand(commandLine)
        } catch {
            fail(error.message, status: exitBadOptions)
        }
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            var line = message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid options"
            if let configFile { line = configFile.attribute(line, commandLine: commandLine) }
            fail("\(line) (see --help)", status: exitBadOptions)
        }
    }
}

/// `skv kv ...`.
struct KVCommandGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kv", abstract: "Run or talk to the replicated KV service.",
        subcommands: [
            KVServeCommand.self, GetCommand<ClientOptions>.self, PutCommand<ClientOptions>.self,
            AppendCommand<ClientOptions>.self, DeleteCommand<ClientOptions>.self,
            StatusCommand.self, BenchCommand.self, KVSnapshotCommandGroup.self, MemberCommandGroup<ClientOptions>.self,
        ])
}
