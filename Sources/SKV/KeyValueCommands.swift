import ArgumentParser

/// What `get|put|append|delete` need from a key/value service's client options (`skv kv`,
/// `skv shard`): each operation through the service's clerk, exiting with the options' status
/// for a clerk error (3 unavailable, 4 rejected).
protocol KeyValueClientOptions: ParsableArguments {
    /// The value of `key`, or `nil` if it does not exist.
    func get(_ key: [UInt8]) async -> [UInt8]?
    func put(_ key: [UInt8], _ value: [UInt8]) async
    func append(_ key: [UInt8], _ value: [UInt8]) async
    /// Whether `key` existed.
    func delete(_ key: [UInt8]) async -> Bool
}

/// `skv kv|shard get KEY`: prints the value; exit 1 if the key does not exist.
struct GetCommand<Options: KeyValueClientOptions>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "get", abstract: "Print a key's value.")
    }
    @OptionGroup var options: Options
    @Argument var key: String

    func run() async throws {
        guard let value = await options.get(Array(key.utf8)) else {
            fail("no such key", status: ClientOptions.exitNoKey)
        }
        print(String(decoding: value, as: UTF8.self))
    }
}

/// `skv kv|shard put KEY VALUE`.
struct PutCommand<Options: KeyValueClientOptions>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "put", abstract: "Set a key's value.")
    }
    @OptionGroup var options: Options
    @Argument var key: String
    @Argument var value: String

    func run() async throws { await options.put(Array(key.utf8), Array(value.utf8)) }
}

/// `skv kv|shard append KEY VALUE` (a missing key counts as empty).
struct AppendCommand<Options: KeyValueClientOptions>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "append", abstract: "Append to a key's value.")
    }
    @OptionGroup var options: Options
    @Argument var key: String
    @Argument var value: String

    func run() async throws { await options.append(Array(key.utf8), Array(value.utf8)) }
}

/// `skv kv|shard delete KEY`: exit 1 if the key did not exist.
struct DeleteCommand<Options: KeyValueClientOptions>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "delete", abstract: "Delete a key.")
    }
    @OptionGroup var options: Options
    @Argument var key: String

    func run() async throws {
        if await !options.delete(Array(key.utf8)) { fail("no such key", status: ClientOptions.exitNoKey) }
    }
}
