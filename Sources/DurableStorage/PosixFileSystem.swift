internal import Glibc

/// The production `FileSystem`: direct Glibc system calls, no user-space buffering.
///
/// Stateless, hence `Sendable`. Each call site lists the errors it can see: every failure is
/// reported as `WALError.io` (there is no error here that could only mean misuse, except a
/// negative size or offset, which is a precondition).
public struct PosixFileSystem: FileSystem, Sendable {
    public init() {}

    public func open(_ path: String, mode: OpenMode) throws(WALError) -> OpenFile {
        let flags: Int32
        switch mode {
        case .readOnly: flags = O_RDONLY
        case .readWrite: flags = O_RDWR
        case .createExclusive: flags = O_RDWR | O_CREAT | O_EXCL
        case .createOrTruncate: flags = O_RDWR | O_CREAT | O_TRUNC
        case .createIfMissing: flags = O_RDWR | O_CREAT
        }
        // open(2): ENOENT, EEXIST (exclusive), EACCES, EMFILE, ENOSPC, EINTR ... all thrown;
        // EINTR is retried.
        while true {
            let descriptor = Glibc.open(path, flags | O_CLOEXEC, 0o644)
            if descriptor >= 0 { return OpenFile(descriptor: descriptor, path: path) }
            if errno == EINTR { continue }
            throw Self.error("open", path)
        }
    }

    public func close(_ handle: OpenFile) throws(WALError) {
        // close(2): EIO may report a deferred write error; EINTR must not be retried on Linux
        // (the descriptor is already released), so it is reported like any other error.
        // A lock file's descriptor is closed through the lock table (PosixLockTable).
        if PosixLockTable.close(handle.descriptor, with: Glibc.close) != 0 {
            throw Self.error("close", handle.path)
        }
    }

    public func write(_ handle: OpenFile, _ bytes: [UInt8], at offset: Int64) throws(WALError) {
        precondition(offset >= 0, "negative write offset \(offset)")
        // withUnsafeBytes rethrows untyped errors, so the loop reports its error as a value.
        let failure: WALError? = bytes.withUnsafeBytes { buffer in
            var written = 0
            // pwrite(2) may write fewer bytes than asked (signals, quotas): loop until done.
            // ENOSPC, EIO, EDQUOT, EFBIG are thrown; EINTR is retried.
            while written < buffer.count {
                let result = pwrite(
                    handle.descriptor, buffer.baseAddress! + written, buffer.count - written,
                    off_t(offset) + off_t(written))
                if result < 0 {
                    if errno == EINTR { continue }
                    return Self.error("pwrite", handle.path)
                }
                // A zero-byte write for a non-empty request would loop forever; POSIX allows
                // it only for zero-length requests, so treat it as an I/O error.
                if result == 0 {
                    return WALError.io(
                        operation: "pwrite", path: handle.path, errno: EIO,
                        message: "wrote 0 bytes")
                }
                written += result
            }
            return nil
        }
        if let failure { throw failure }
    }

    public func read(_ handle: OpenFile, count: Int, at offset: Int64) throws(WALError) -> [UInt8] {
        precondition(count >= 0 && offset >= 0, "bad read count \(count) offset \(offset)")
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        let failure: WALError? = bytes.withUnsafeMutableBytes { buffer in
            // pread(2): short reads happen at end of file (result 0) or on signals.
            while filled < count {
                let result = pread(
                    handle.descriptor, buffer.baseAddress! + filled, count - filled,
                    off_t(offset) + off_t(filled))
                if result < 0 {
                    if errno == EINTR { continue }
                    return Self.error("pread", handle.path)
                }
                if result == 0 { break }
                filled += result
            }
            return nil
        }
        if let failure { throw failure }
        if filled < count { bytes.removeLast(count - filled) }
        return bytes
    }

    public func size(_ handle: OpenFile) throws(WALError) -> Int64 {
        var status = stat()
        // fstat(2): EBADF/EIO/EOVERFLOW; none expected, all thrown.
        if fstat(handle.descriptor, &status) != 0 { throw Self.error("fstat", handle.path) }
        return Int64(status.st_size)
    }

    public func truncate(_ handle: OpenFile, to length: Int64) throws(WALError) {
        precondition(length >= 0, "negative truncate length \(length)")
        while ftruncate(handle.descriptor, off_t(length)) != 0 {
            if errno == EINTR { continue }
            throw Self.error("ftruncate", handle.path)
        }
    }

    /// Zeros written per `pwrite` where the file system cannot `fallocate`.
    static let zeroFillChunkBytes = 1 << 20

    public func allocate(_ handle: OpenFile, upTo length: Int64) throws(WALError) {
        precondition(length >= 0, "negative allocation length \(length)")
        let current = try size(handle)
        guard length > current else { return }
        // posix_fallocate(3) returns the error number instead of setting errno. ENOSPC, EIO,
        // EFBIG are thrown; EINTR is retried; EOPNOTSUPP (a file system without fallocate, where
        // glibc does not emulate it) falls back to writing the zeros.
        while true {
            let result = posix_fallocate(handle.descriptor, off_t(current), off_t(length - current))
            if result == 0 { return }
            if result == EINTR { continue }
            if result == EOPNOTSUPP { break }
            throw WALError.io(
                operation: "posix_fallocate", path: handle.path, errno: result,
                message: String(cString: strerror(result)))
        }
        let zeros = [UInt8](repeating: 0, count: Self.zeroFillChunkBytes)
        var offset = current
        while offset < length {
            let count = Int(min(Int64(zeros.count), length - offset))
            try write(handle, count == zeros.count ? zeros : Array(zeros.prefix(count)), at: offset)
            offset += Int64(count)
        }
    }

    public func syncData(_ handle: OpenFile) throws(WALError) {
        // fdatasync(2): EIO means written data may be lost; the caller must not retry and
        // assume success (the log poisons itself). EINTR is not documented for Linux but is
        // harmless to retry.
        while fdatasync(handle.descriptor) != 0 {
            if errno == EINTR { continue }
            throw Self.error("fdatasync", handle.path)
        }
    }

    public func sync(_ handle: OpenFile) throws(WALError) {
        while fsync(handle.descriptor) != 0 {
            if errno == EINTR { continue }
            throw Self.error("fsync", handle.path)
        }
    }

    public func syncDirectory(_ path: String) throws(WALError) {
        let descriptor = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if descriptor < 0 { throw Self.error("open", path) }
        defer { _ = Glibc.close(descriptor) }  // read-only: close cannot lose data.
        while fsync(descriptor) != 0 {
            if errno == EINTR { continue }
            throw Self.error("fsync", path)
        }
    }

    public func rename(_ source: String, to destination: String) throws(WALError) {
        if Glibc.rename(source, destination) != 0 {
            throw Self.error("rename", source + " -> " + destination)
        }
    }

    public func remove(_ path: String) throws(WALError) {
        if unlink(path) != 0 { throw Self.error("unlink", path) }
    }

    public func createDirectory(_ path: String) throws(WALError) {
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw Self.error("mkdir", path) }
    }

    public func listDirectory(_ path: String) throws(WALError) -> [String] {
        guard let directory = opendir(path) else { throw Self.error("opendir", path) }
        defer { closedir(directory) }
        var names: [String] = []
        while true {
            // readdir(3) returns nil at the end and on error; errno tells them apart.
            errno = 0
            guard let entry = readdir(directory) else {
                if errno != 0 { throw Self.error("readdir", path) }
                break
            }
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// A POSIX record lock plus an in-process table (`PosixLockTable` says why not `flock`).
    public func lockFile(_ path: String) throws(WALError) -> OpenFile {
        try PosixLockTable.lock(path, fileSystem: self)
    }

    private static func error(_ operation: String, _ path: String) -> WALError {
        let code = errno
        return .io(
            operation: operation, path: path, errno: code,
            message: String(cString: strerror(code)))
    }
}
