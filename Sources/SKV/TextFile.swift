#if canImport(Glibc)
import Glibc
#endif

/// Small UTF-8 files the CLI reads whole (the data directory's marker, a config file).
enum TextFile {
    /// The contents of the file at `path` (invalid UTF-8 repaired), or `nil` if there is none.
    /// - Throws: ``SKVError`` if it cannot be read or is larger than `maxBytes`.
    static func read(_ path: String, maxBytes: Int) throws(SKVError) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw SKVError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SKVError("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            bytes += buffer[0..<n]
            guard bytes.count <= maxBytes else { throw SKVError("\(path) is larger than \(maxBytes) bytes") }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
