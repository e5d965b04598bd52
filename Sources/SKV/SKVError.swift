#if canImport(Glibc)
import Glibc
#endif

/// Why `skv` refuses to start or to run a command; one line for the user.
struct SKVError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// Prints `skv: message` to standard error and exits with `status`.
func fail(_ message: String, status: Int32) -> Never {
    let bytes = Array("skv: \(message)\n".utf8)
    _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    Glibc.exit(status)
}

/// Prints `skv: message` to standard error and goes on.
func warn(_ message: String) {
    let bytes = Array("skv: \(message)\n".utf8)
    _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
}
