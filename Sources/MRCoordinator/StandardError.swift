#if canImport(Glibc)
import Glibc
#endif

/// Writes one line to standard error, prefixed with the program name (`mrcoordinator: ...`).
/// Uses write(2) on the descriptor: the C `stderr` global is not concurrency-safe in Swift 6.
func printError(_ message: String) {
    var line = "mrcoordinator: \(message)\n"
    line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
}
