import Logging
import Synchronization

/// Test support: a logger that records what is logged through it (level, message, metadata).
final class LogRecorder: Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    private let entries = Mutex<[Entry]>([])

    /// A logger (every level) that records into this recorder.
    var logger: Logger {
        Logger(label: "test") { _ in Handler(recorder: self) }
    }

    /// The entries logged at `level`.
    func entries(at level: Logger.Level) -> [Entry] {
        entries.withLock { $0.filter { $0.level == level } }
    }

    fileprivate func record(_ entry: Entry) {
        entries.withLock { $0.append(entry) }
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            recorder.record(
                Entry(
                    level: event.level, message: event.message.description,
                    metadata: metadata.merging(event.metadata ?? [:]) { $1 }))
        }
    }
}
