#if canImport(Glibc)
import Glibc
#endif
import DurableStorage

/// A ``FileSystem`` held in memory, for fuzzing recovery without disk I/O: files are byte
/// arrays keyed by path, directories a set of paths, locks a set of held lock paths. Every
/// sync is a no-op (nothing is lost: this models a clean restart, not a crash). Errors mirror
/// POSIX (`ENOENT`, `EEXIST`, `EBADF`) as `WALError.io`. One owner; not thread-safe.
final class InMemoryFileSystem: FileSystem {
    private(set) var files: [String: [UInt8]] = [:]
    private var directories: Set<String> = ["/"]
    private var handles: [Int32: String] = [:]
    private var lockedPaths: Set<String> = []
    private var lockHandles: [Int32: String] = [:]
    private var nextDescriptor: Int32 = 3

    /// Puts a file (and its parent directories) in place, replacing any content.
    func place(_ path: String, _ bytes: [UInt8]) {
        var directory = parentDirectory(of: path)
        while directory != "/" && directory != "." {
            directories.insert(directory)
            directory = parentDirectory(of: directory)
        }
        files[path] = bytes
    }

    func open(_ path: String, mode: OpenMode) throws(WALError) -> OpenFile {
        let exists = files[path] != nil
        switch mode {
        case .readOnly, .readWrite:
            guard exists else { throw Self.error("open", path, ENOENT) }
        case .createExclusive:
            guard !exists else { throw Self.error("open", path, EEXIST) }
            try requireParent(of: path)
            files[path] = []
        case .createOrTruncate:
            try requireParent(of: path)
            files[path] = []
        case .createIfMissing:
            try requireParent(of: path)
            if !exists { files[path] = [] }
        }
        return makeHandle(path, in: &handles)
    }

    func close(_ handle: OpenFile) throws(WALError) {
        if handles.removeValue(forKey: handle.descriptor) != nil { return }
        if let path = lockHandles.removeValue(forKey: handle.descriptor) {
            lockedPaths.remove(path)
            return
        }
        throw Self.error("close", handle.path, EBADF)
    }

    func write(_ handle: OpenFile, _ bytes: [UInt8], at offset: Int64) throws(WALError) {
        let path = try openPath(handle)
        var content = files[path] ?? []
        let start = Int(offset)
        if content.count < start + bytes.count {
            content.append(contentsOf: repeatElement(0, count: start + bytes.count - content.count))
        }
        content.replaceSubrange(start..<(start + bytes.count), with: bytes)
        files[path] = content
    }

    func read(_ handle: OpenFile, count: Int, at offset: Int64) throws(WALError) -> [UInt8] {
        let content = files[try openPath(handle)] ?? []
        let start = min(Int(offset), content.count)
        return Array(content[start..<min(start + count, content.count)])
    }

    func size(_ handle: OpenFile) throws(WALError) -> Int64 {
        Int64((files[try openPath(handle)] ?? []).count)
    }

    func truncate(_ handle: OpenFile, to length: Int64) throws(WALError) {
        let path = try openPath(handle)
        var content = files[path] ?? []
        let target = Int(length)
        if content.count > target {
            content.removeSubrange(target...)
        } else {
            content.append(contentsOf: repeatElement(0, count: target - content.count))
        }
        files[path] = content
    }

    func allocate(_ handle: OpenFile, upTo length: Int64) throws(WALError) {
        if length > (files[try openPath(handle)] ?? []).count { try truncate(handle, to: length) }
    }

    func syncData(_ handle: OpenFile) throws(WALError) { _ = try openPath(handle) }

    func sync(_ handle: OpenFile) throws(WALError) { _ = try openPath(handle) }

    func syncDirectory(_ path: String) throws(WALError) {
        guard path == "." || directories.contains(path) else { throw Self.error("open", path, ENOENT) }
    }

    func rename(_ source: String, to destination: String) throws(WALError) {
        guard let content = files.removeValue(forKey: source) else { throw Self.error("rename", source, ENOENT) }
        files[destination] = content
    }

    func remove(_ path: String) throws(WALError) {
        guard files.removeValue(forKey: path) != nil else { throw Self.error("unlink", path, ENOENT) }
    }

    func createDirectory(_ path: String) throws(WALError) {
        try requireParent(of: path)
        directories.insert(path)
    }

    func listDirectory(_ path: String) throws(WALError) -> [String] {
        guard directories.contains(path) else { throw Self.error("opendir", path, ENOENT) }
        let prefix = path.hasSuffix("/") ? path : path + "/"
        let entries = files.keys.map { $0 } + directories.map { $0 }
        return entries.compactMap { entry in
            guard entry.hasPrefix(prefix) else { return nil }
            let name = entry.dropFirst(prefix.count)
            return name.isEmpty || name.contains("/") ? nil : String(name)
        }
    }

    func lockFile(_ path: String) throws(WALError) -> OpenFile {
        guard !lockedPaths.contains(path) else { throw .locked(path: path) }
        try requireParent(of: path)
        if files[path] == nil { files[path] = [] }
        lockedPaths.insert(path)
        return makeHandle(path, in: &lockHandles)
    }

    private func makeHandle(_ path: String, in table: inout [Int32: String]) -> OpenFile {
        let descriptor = nextDescriptor
        nextDescriptor += 1
        table[descriptor] = path
        return OpenFile(descriptor: descriptor, path: path)
    }

    private func openPath(_ handle: OpenFile) throws(WALError) -> String {
        guard let path = handles[handle.descriptor] ?? lockHandles[handle.descriptor] else {
            throw Self.error("use", handle.path, EBADF)
        }
        return path
    }

    private func requireParent(of path: String) throws(WALError) {
        let parent = parentDirectory(of: path)
        guard parent == "." || directories.contains(parent) else { throw Self.error("open", path, ENOENT) }
    }

    private static func error(_ operation: String, _ path: String, _ number: Int32) -> WALError {
        .io(operation: operation, path: path, errno: number, message: String(cString: strerror(number)))
    }
}
