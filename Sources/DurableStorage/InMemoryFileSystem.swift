internal import Glibc

/// A `FileSystem` held in memory: files (by inode, so an open handle keeps reading and writing
/// its file after a rename or removal, as on POSIX), directories, advisory locks. Everything
/// it is told is durable at once (its syncs do nothing); wrap it in a
/// `CrashSimulatingFileSystem` to model what a power loss drops. The simulation gives each
/// simulated server one, so a deterministic run does no real I/O.
///
/// Paths are absolute ("/" always exists). Errors mirror the system calls': `ENOENT` for a
/// missing file or parent directory, `EEXIST` for an exclusive create of an existing file,
/// `EISDIR`/`ENOTDIR`/`ENOTEMPTY` for directory misuse, `EBADF` for a closed handle. Descriptors
/// are never reused.
///
/// Thread confinement: a plain class with mutable state and no locks, used from one thread or
/// actor (or behind its owner's lock). Deliberately not `Sendable`.
public final class InMemoryFileSystem: FileSystem {
    private var contents: [Int: [UInt8]] = [:]
    /// File path → inode.
    private var files: [String: Int] = [:]
    private var directories: Set<String> = ["/"]
    /// Open descriptor → inode.
    private var handles: [Int32: Int] = [:]
    /// Inode → the descriptor holding its advisory lock.
    private var lockHolders: [Int: Int32] = [:]
    private var nextInode = 1
    private var nextDescriptor: Int32 = 3

    public init() {}

    /// Bytes held by every file (for a test's accounting).
    public var totalBytes: Int { files.values.reduce(0) { $0 + (contents[$1]?.count ?? 0) } }

    public func open(_ path: String, mode: OpenMode) throws(WALError) -> OpenFile {
        if directories.contains(path) { throw Self.error("open", path, EISDIR) }
        var inode = files[path]
        switch mode {
        case .readOnly, .readWrite:
            guard inode != nil else { throw Self.error("open", path, ENOENT) }
        case .createExclusive:
            guard inode == nil else { throw Self.error("open", path, EEXIST) }
        case .createOrTruncate:
            if let existing = inode { contents[existing] = [] }
        case .createIfMissing:
            break
        }
        if inode == nil {
            try checkParent("open", path)
            inode = nextInode
            nextInode += 1
            files[path] = inode
            contents[inode!] = []
        }
        let descriptor = nextDescriptor
        nextDescriptor += 1
        handles[descriptor] = inode
        return OpenFile(descriptor: descriptor, path: path)
    }

    public func close(_ handle: OpenFile) throws(WALError) {
        guard let inode = handles.removeValue(forKey: handle.descriptor) else {
            throw Self.error("close", handle.path, EBADF)
        }
        if lockHolders[inode] == handle.descriptor { lockHolders[inode] = nil }
        releaseIfUnreachable(inode)
    }

    public func write(_ handle: OpenFile, _ bytes: [UInt8], at offset: Int64) throws(WALError) {
        precondition(offset >= 0, "negative write offset \(offset)")
        let inode = try self.inode(of: handle, "pwrite")
        let start = Int(offset)
        let end = start + bytes.count
        if contents[inode]!.count < end {
            contents[inode]!.append(contentsOf: [UInt8](repeating: 0, count: end - contents[inode]!.count))
        }
        contents[inode]!.replaceSubrange(start..<end, with: bytes)
    }

    public func read(_ handle: OpenFile, count: Int, at offset: Int64) throws(WALError) -> [UInt8] {
        precondition(count >= 0 && offset >= 0, "bad read count \(count) offset \(offset)")
        let bytes = contents[try inode(of: handle, "pread")]!
        let start = min(Int(offset), bytes.count)
        return Array(bytes[start..<min(start + count, bytes.count)])
    }

    public func size(_ handle: OpenFile) throws(WALError) -> Int64 {
        Int64(contents[try inode(of: handle, "fstat")]!.count)
    }

    public func truncate(_ handle: OpenFile, to length: Int64) throws(WALError) {
        precondition(length >= 0, "negative truncate length \(length)")
        let inode = try self.inode(of: handle, "ftruncate")
        let count = contents[inode]!.count
        if Int(length) < count {
            contents[inode]!.removeLast(count - Int(length))
        } else {
            contents[inode]!.append(contentsOf: [UInt8](repeating: 0, count: Int(length) - count))
        }
    }

    public func allocate(_ handle: OpenFile, upTo length: Int64) throws(WALError) {
        precondition(length >= 0, "negative allocation length \(length)")
        let inode = try self.inode(of: handle, "fallocate")
        let count = contents[inode]!.count
        if Int(length) > count {
            contents[inode]!.append(contentsOf: [UInt8](repeating: 0, count: Int(length) - count))
        }
    }

    public func syncData(_ handle: OpenFile) throws(WALError) { _ = try inode(of: handle, "fdatasync") }

    public func sync(_ handle: OpenFile) throws(WALError) { _ = try inode(of: handle, "fsync") }

    public func syncDirectory(_ path: String) throws(WALError) {
        guard directories.contains(path) else { throw Self.error("open", path, ENOENT) }
    }

    public func rename(_ source: String, to destination: String) throws(WALError) {
        let operation = source + " -> " + destination
        guard let inode = files[source] else { throw Self.error("rename", operation, ENOENT) }
        if directories.contains(destination) { throw Self.error("rename", operation, EISDIR) }
        try checkParent("rename", destination)
        files[source] = nil
        let replaced = files.updateValue(inode, forKey: destination)
        if let replaced, replaced != inode { releaseIfUnreachable(replaced) }
    }

    public func remove(_ path: String) throws(WALError) {
        if directories.contains(path) { throw Self.error("unlink", path, EISDIR) }
        guard let inode = files.removeValue(forKey: path) else { throw Self.error("unlink", path, ENOENT) }
        releaseIfUnreachable(inode)
    }

    public func createDirectory(_ path: String) throws(WALError) {
        if directories.contains(path) { return }
        if files[path] != nil { throw Self.error("mkdir", path, EEXIST) }
        try checkParent("mkdir", path)
        directories.insert(path)
    }

    /// `rmdir(2)`: removes an empty directory.
    public func removeDirectory(_ path: String) throws(WALError) {
        guard directories.contains(path), path != "/" else { throw Self.error("rmdir", path, ENOENT) }
        guard try listDirectory(path).isEmpty else { throw Self.error("rmdir", path, ENOTEMPTY) }
        directories.remove(path)
    }

    public func listDirectory(_ path: String) throws(WALError) -> [String] {
        guard directories.contains(path) else {
            throw Self.error("opendir", path, files[path] == nil ? ENOENT : ENOTDIR)
        }
        let children = files.keys.filter { parentDirectory(of: $0) == path }
            + directories.filter { $0 != "/" && parentDirectory(of: $0) == path }
        return children.map { String($0.dropFirst(path == "/" ? 1 : path.count + 1)) }.sorted()
    }

    public func lockFile(_ path: String) throws(WALError) -> OpenFile {
        let file = try open(path, mode: .createIfMissing)
        let inode = handles[file.descriptor]!
        if lockHolders[inode] != nil {
            try close(file)
            throw WALError.locked(path: path)
        }
        lockHolders[inode] = file.descriptor
        return file
    }

    private func inode(of handle: OpenFile, _ operation: String) throws(WALError) -> Int {
        guard let inode = handles[handle.descriptor] else { throw Self.error(operation, handle.path, EBADF) }
        return inode
    }

    private func checkParent(_ operation: String, _ path: String) throws(WALError) {
        let parent = parentDirectory(of: path)
        guard path.hasPrefix("/"), directories.contains(parent) else { throw Self.error(operation, path, ENOENT) }
    }

    /// Frees an inode's content once no name and no open handle refers to it.
    private func releaseIfUnreachable(_ inode: Int) {
        guard !files.values.contains(inode), !handles.values.contains(inode) else { return }
        contents[inode] = nil
    }

    private static func error(_ operation: String, _ path: String, _ code: Int32) -> WALError {
        .io(operation: operation, path: path, errno: code, message: String(cString: strerror(code)))
    }
}
