internal import Glibc
import Synchronization

/// The few POSIX file operations the framework and its applications need, as plain
/// synchronous calls (run them off the Swift concurrency pool: see ``MapReduceApp``).
///
/// Every failure is a ``MapReduceError`` with code ``MapReduceError/Code/io`` naming the path
/// and `errno`. Outputs are made visible atomically: ``writeAtomically(_:to:)`` writes a
/// temporary file in the destination's directory and `rename(2)`s it over the destination, so
/// a reader (or a crash) sees the old file or the complete new one, never a partial one.
public enum LocalFiles {
    /// Prefix of temporary files; deliberately not `mr-out`, because checkers read `mr-out*`.
    public static let temporaryPrefix = "mr-tmp-"

    private static let temporaryCounter = Atomic<Int>(0)

    /// Reads a whole file.
    public static func readBytes(_ path: String) throws(MapReduceError) -> [UInt8] {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open", path) }
        defer { _ = Glibc.close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("cannot read", path)
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    /// Reads a whole file as UTF-8 text (invalid sequences become U+FFFD).
    public static func readString(_ path: String) throws(MapReduceError) -> String {
        String(decoding: try readBytes(path), as: UTF8.self)
    }

    /// Whether `path` names an existing regular file that this process can read.
    public static func isReadableFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        return access(path, R_OK) == 0
    }

    /// Replaces `path` atomically with `bytes` (temporary file in the same directory + rename).
    /// The temporary file is removed if anything fails before the rename. No `fsync`: the
    /// guarantee is against process crashes, which is what MapReduce re-execution needs.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(MapReduceError) {
        let temporary = temporaryPath(for: path)
        let fd = Glibc.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("cannot create", temporary) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                let error = failure("cannot write", temporary)
                _ = Glibc.close(fd)
                _ = unlink(temporary)
                throw error
            }
            written += count
        }
        guard Glibc.close(fd) == 0 else {
            let error = failure("cannot close", temporary)
            _ = unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = failure("cannot rename \(temporary) to", path)
            _ = unlink(temporary)
            throw error
        }
    }

    /// Creates (or truncates) a small file with `contents`, not atomically (marker files).
    public static func writeFile(_ contents: String, to path: String) throws(MapReduceError) {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw failure("cannot create", path) }
        defer { _ = Glibc.close(fd) }
        var contents = contents
        let ok = contents.withUTF8 { Glibc.write(fd, $0.baseAddress, $0.count) == $0.count }
        guard ok else { throw failure("cannot write", path) }
    }

    /// Removes a file; a missing file is not an error.
    public static func remove(_ path: String) throws(MapReduceError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw failure("cannot remove", path) }
    }

    /// The names in a directory (without `.` and `..`), in directory order.
    public static func listDirectory(_ path: String) throws(MapReduceError) -> [String] {
        guard let directory = opendir(path) else { throw failure("cannot list", path) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Joins a directory and a file name (`"."` yields the bare name).
    public static func join(_ directory: String, _ name: String) -> String {
        directory == "." || directory.isEmpty ? name : (directory.hasSuffix("/") ? directory + name : directory + "/" + name)
    }

    private static func temporaryPath(for path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let serial = temporaryCounter.wrappingAdd(1, ordering: .relaxed).newValue
        return "\(directory)\(temporaryPrefix)\(base)-\(getpid())-\(serial)-\(UInt32.random(in: 0...UInt32.max))"
    }

    private static func failure(_ what: String, _ path: String) -> MapReduceError {
        let number = errno
        let reason = strerror(number).map { String(cString: $0) } ?? "errno \(number)"
        return MapReduceError(code: .io, message: "\(what) \(path): \(reason)")
    }
}
