import TOMLKit

/// `--config FILE` for the daemons (`skv kv|ctrler|shard serve`): a TOML file that gives
/// flags' values, as an alternative to writing them all on the command line. Keys are the
/// long flag names without the dashes; a value is a string, an integer, a boolean (a flag
/// such as `insecure = true`; `false` leaves it out) or an array of these (a repeatable
/// flag such as `peer = ["1=10.0.0.1:7001", "2=10.0.0.2:7001", "3=10.0.0.3:7001"]`):
///
///     id = 1
///     listen = "10.0.0.1:7001"
///     peer = ["1=10.0.0.1:7001", "2=10.0.0.2:7001", "3=10.0.0.3:7001"]
///     data-dir = "/var/lib/skv"
///     log-level = "notice"
///
/// The file is turned into flags placed before the command line's own, so the command line's
/// parser validates them exactly as if typed, and a flag given on the command line replaces
/// the file's value for it (all of it, for a repeatable flag). An unreadable file, a TOML
/// syntax error, a nested table or a value of another type is a one-line error naming the file
/// (and the line, for syntax errors); so is a key that is not a flag of the command (the
/// parser's message, prefixed with the file and key).
struct ConfigFile {
    /// The flag that names the file.
    static let flag = "--config"
    /// Largest file accepted, in bytes (a configuration is a few hundred bytes).
    static let maxFileBytes = 1 << 20

    /// The file's path.
    let path: String
    /// The flags from the file, by key, in the file's order.
    let flags: [(key: String, arguments: [String])]

    /// Reads and converts the file at `path`.
    /// - Throws: ``SKVError`` with a one-line reason.
    init(path: String) throws(SKVError) {
        self.path = path
        guard let text = try TextFile.read(path, maxBytes: Self.maxFileBytes) else {
            throw SKVError("config file \(path) does not exist")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw SKVError(
                "config file \(path) line \(error.source.begin.line) column \(error.source.begin.column): "
                    + error.description)
        } catch {
            throw SKVError("config file \(path): \(error)")
        }
        var flags: [(key: String, arguments: [String])] = []
        for key in table.keys {
            guard let value = table[key] else { continue }
            let name = "--\(key)"
            var arguments: [String] = []
            if let array = value.array {
                for element in array {
                    arguments += try Self.arguments(for: name, value: element, path: path)
                }
            } else {
                arguments = try Self.arguments(for: name, value: value, path: path)
            }
            flags.append((key, arguments))
        }
        self.flags = flags
    }

    /// The command line `arguments` (without the program name) of a `serve` command with a
    /// `--config FILE` (or `--config=FILE`) expanded: the file's flags, except those the
    /// command line gives itself, are inserted after the subcommand names. Other commands, and
    /// a command line without `--config`, are returned as they are (only the daemons take it).
    /// - Throws: ``SKVError`` for an unusable file (see the type's description).
    static func expand(_ arguments: [String]) throws(SKVError) -> (arguments: [String], file: ConfigFile?) {
        // Subcommand names come first (`kv serve`); options follow them.
        let commandWords = arguments.prefix { !$0.hasPrefix("-") }
        guard commandWords.last == "serve" else { return (arguments, nil) }
        var path: String?
        // Up to `--`: what follows is positional (no serve command takes any, but a value
        // that looks like the flag must not be read as one).
        for (position, argument) in arguments.prefix(while: { $0 != "--" }).enumerated() {
            if argument == flag, position + 1 < arguments.count {
                path = arguments[position + 1]
            } else if argument.hasPrefix(flag + "=") {
                path = String(argument.dropFirst(flag.count + 1))
            }
        }
        guard let path else { return (arguments, nil) }
        let file = try ConfigFile(path: path)
        let given = Set(arguments.compactMap { argument -> String? in
            guard argument.hasPrefix("--") else { return nil }
            return String(argument.dropFirst(2).prefix { $0 != "=" })
        })
        let fromFile = file.flags.filter { !given.contains($0.key) }.flatMap(\.arguments)
        return (Array(commandWords) + fromFile + arguments.dropFirst(commandWords.count), file)
    }

    /// `message` (a parser's error) prefixed with the file and key it concerns, if it names a
    /// flag that came from the file and not from the command line.
    func attribute(_ message: String, commandLine: [String]) -> String {
        for (key, _) in flags where message.contains("--\(key)") && !commandLine.contains("--\(key)") {
            return "config file \(path), key \(key): \(message)"
        }
        return message
    }

    private static func arguments(
        for name: String, value: any TOMLValueConvertible, path: String
    ) throws(SKVError) -> [String] {
        if let string = value.string { return [name, string] }
        if let integer = value.int { return [name, String(integer)] }
        if let flag = value.bool { return flag ? [name] : [] }
        throw SKVError(
            "config file \(path), key \(name.dropFirst(2)): expected a string, an integer, a boolean or an array "
                + "of these, got \(value.type)")
    }
}
