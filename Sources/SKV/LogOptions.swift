import ArgumentParser
import Logging

/// The logging flags every daemon takes (`--log-level`).
struct LogOptions: ParsableArguments {
    @Option(
        name: .customLong("log-level"),
        help: "Least severe log level printed: trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    /// The level, checked.
    /// - Throws: ``SKVError`` naming the accepted levels.
    func level() throws(SKVError) -> Logger.Level {
        guard let level = Logger.Level(rawValue: logLevel) else {
            let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw SKVError("--log-level must be one of \(names), got \(logLevel)")
        }
        return level
    }
}
