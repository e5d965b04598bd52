#if canImport(Glibc)
import Glibc
#endif

/// The `skv-node` file in a data directory: the node id and peer list it was first started
/// with. A directory whose marker disagrees with the command line is refused, so a replica
/// never runs on another member's log.
struct DataDirectoryMarker: Equatable {
    static let fileName = "skv-node"
    /// Largest marker file read.
    static let maxBytes = 64 * 1024

    var id: UInt64
    var peers: String

    var text: String { "id=\(id)\npeers=\(peers)\n" }

    /// Writes the marker if `directory` has none; otherwise checks that it matches.
    /// - Throws: ``SKVError`` on a mismatch or an I/O failure.
    func verifyOrCreate(in directory: String) throws(SKVError) {
        let path = directory + "/" + Self.fileName
        if let existing = try Self.read(path) {
            guard existing == text else {
                let found = existing.split(separator: "\n").joined(separator: " ")
                throw SKVError(
                    "data directory \(directory) belongs to another configuration (marker: \(found); "
                        + "command line: id=\(id) peers=\(peers))")
            }
            return
        }
        try Self.writeAtomically(text, to: path)
    }

    private static func read(_ path: String) throws(SKVError) -> String? {
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
            guard bytes.count <= maxBytes else { throw SKVError("\(path) is too large to be a marker") }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func writeAtomically(_ text: String, to path: String) throws(SKVError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SKVError("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == bytes.count, synced == 0, rename(temporary, path) == 0 else {
            throw SKVError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        let directoryFD = open(String(path[..<path.lastIndex(of: "/")!]), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }
}
