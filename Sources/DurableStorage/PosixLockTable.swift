internal import Glibc
import Synchronization

/// The lock files this process holds through `PosixFileSystem.lockFile`, and the locking itself.
///
/// Why not `flock(2)`: a `flock` lock belongs to the open file description, and every process
/// forked from this one gets a copy of the descriptor table, so a child forked while a log is
/// open holds the lock too until it calls `exec` (only then are `O_CLOEXEC` descriptors closed).
/// A test process that spawns helpers (openssl, daemons) while a log closes and reopens its
/// directory saw "locked by another open log" for a lock nobody held any more.
///
/// So the lock is a POSIX record lock (`fcntl(F_SETLK)`), which a forked child does not inherit,
/// and this table does what such a lock cannot: POSIX locks never conflict within one process,
/// and closing *any* descriptor of the file drops the process's lock. Hence the rules, each
/// enforced under one mutex:
/// - the table is checked *before* the file is opened, so a refused caller never opens (and
///   closes) a descriptor of a file another thread has locked;
/// - a held lock's descriptor is closed *before* its entry is removed, so no new holder can
///   take the lock in between and lose it to that close.
/// Nothing else in the process may open the lock file: its close would drop the lock that other
/// processes see (not the one threads of this process see).
enum PosixLockTable {
    private struct Entries {
        /// Canonical path (parent directory resolved by `realpath`) to the holder's descriptor.
        var descriptorByPath: [String: Int32] = [:]
        var pathByDescriptor: [Int32: String] = [:]
    }

    private static let entries = Mutex(Entries())

    /// Opens `path` (created if missing) and locks it for this process and this caller.
    static func lock(_ path: String, fileSystem: PosixFileSystem) throws(WALError) -> OpenFile {
        let key = try canonicalPath(path)
        return try entries.withLock { (entries) throws(WALError) -> OpenFile in
            if entries.descriptorByPath[key] != nil { throw WALError.locked(path: path) }
            let file = try fileSystem.open(path, mode: .createIfMissing)
            var request = flock()
            request.l_type = Int16(F_WRLCK)
            request.l_whence = Int16(SEEK_SET)
            request.l_start = 0
            request.l_len = 0  // the whole file, however long
            // fcntl(2) F_SETLK: EACCES or EAGAIN means another process holds a conflicting lock;
            // ENOLCK and others are I/O errors. It does not wait, so EINTR cannot happen.
            if fcntl(file.descriptor, F_SETLK, &request) != 0 {
                let code = errno
                _ = Glibc.close(file.descriptor)  // holds no lock: nothing to lose
                if code == EACCES || code == EAGAIN { throw WALError.locked(path: path) }
                throw WALError.io(
                    operation: "fcntl(F_SETLK)", path: path, errno: code,
                    message: String(cString: strerror(code)))
            }
            entries.descriptorByPath[key] = file.descriptor
            entries.pathByDescriptor[file.descriptor] = key
            return file
        }
    }

    /// Closes `descriptor` with `close`; if it holds a lock, the lock's entry goes only after
    /// the close, under the mutex. A descriptor not in the table is closed outside it: an open
    /// descriptor's number cannot be another holder's, so the check cannot go stale.
    static func close(_ descriptor: Int32, with close: (Int32) -> Int32) -> Int32 {
        let holdsLock = entries.withLock { $0.pathByDescriptor[descriptor] != nil }
        if !holdsLock { return close(descriptor) }
        return entries.withLock { entries in
            let result = close(descriptor)
            // Linux releases the descriptor even when close reports an error.
            if let key = entries.pathByDescriptor.removeValue(forKey: descriptor) {
                entries.descriptorByPath[key] = nil
            }
            return result
        }
    }

    /// `path` with its directory resolved (symbolic links, `.`, `..`, repeated slashes), so two
    /// spellings of one lock file are one entry. The file itself may not exist yet.
    private static func canonicalPath(_ path: String) throws(WALError) -> String {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard let resolved = realpath(directory, nil) else {
            let code = errno
            throw WALError.io(
                operation: "realpath", path: directory, errno: code,
                message: String(cString: strerror(code)))
        }
        defer { free(resolved) }
        let base = String(cString: resolved)
        return (base == "/" ? "" : base) + "/" + name
    }
}
