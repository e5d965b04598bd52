internal import Glibc

/// A `FileSystem` that forwards to a real one and remembers what is not yet durable, so a
/// test (or the simulator) can call `crash()` to model a power loss:
///
/// * each file written, allocated or truncated since its last `syncData`/`sync` is cut back to
///   the length it had when last synced (data appended or space allocated after the last sync is
///   lost; a truncation is kept, which is the conservative outcome for a log), and bytes written
///   over its synced bytes since then revert to them (a preallocated file's zeros come back);
/// * each file created since its directory was last synced is removed;
/// * each directory created (`createDirectory`) since its parent was last synced is removed
///   with everything in it;
/// * a removal not yet made durable by a sync of its directory can be undone, file by file,
///   as the test chooses (`crash(undoingRemovals:)`): the file comes back with the content
///   it had durably. A file system may persist directory entry changes in any order.
///
/// * unsynced bytes may also reach the disk in part, out of order: `crash(keepingUnsyncedBytes:)`
///   decides, page by page (4 KiB, as the page cache writes back), how much of each unsynced
///   page was written back before the power went: all of it, none (the page reads as zeros if
///   a later page made the file longer, or as its synced bytes if it was written over them) or
///   a prefix (a page torn mid-write, e.g. at a sector). The file ends after the last byte that
///   reached the disk, or at its synced length if that is later.
///
/// A process crash that leaves the machine running (`abandonOpenFiles()`) only closes the
/// handles: everything written stays, still unsynced, exposed to a later power loss.
///
/// * a rename over an existing file not yet made durable by a sync of its directory can be
///   undone (`crash(undoingRenames:)`): the destination gets back the content it had durably
///   (the pattern of `writeAtomically`: after a crash the file is old or new, never gone).
///
/// Not modelled (known gaps): a rename to a new name is not rolled back (the source does not
/// reappear). `allocate` is modelled as writing zeros: its unsynced size is lost (or kept, page
/// by page) like appended bytes.
///
/// It also injects device faults on later calls (see "Fault injection" below): a full disk or a
/// failing device on `write` and `allocate` (`failWrites`, with a short write first, as `pwrite`
/// does when the disk fills up mid-buffer), on `fsync`/`fdatasync` (`failSyncs`, `failNextSync`), and a power
/// cut after a chosen number of operations (`cutPower(afterOperations:)`) so a test can sweep
/// every crash point of one call. Persistent faults last until `clearFaults()` (space freed).
///
/// Thread confinement: a plain class with mutable state and no locks; use it from one thread
/// or actor, like the storage objects it serves. Deliberately not `Sendable`.
public final class CrashSimulatingFileSystem: FileSystem {
    private let base: any FileSystem
    /// Open handles, so `crash()` can close them.
    private var openHandles: Set<OpenFile> = []
    /// What a file holds durably; only files changed since their last sync appear here.
    private struct DurableImage {
        /// The length it had when last synced (less if truncated since: the truncation is kept).
        var length: Int64
        /// Page number → the page's synced bytes (those below `length`), saved before the first
        /// write over them since the sync.
        var overwrittenPages: [Int: [UInt8]] = [:]
    }
    /// path → its durable image; only files changed since their last sync appear here.
    private var durableImages: [String: DurableImage] = [:]
    /// Files created since their directory was last synced.
    private var unsyncedCreations: Set<String> = []
    /// Directories created since their parent was last synced.
    private var unsyncedDirectories: Set<String> = []
    /// Files removed since their directory was last synced, with their durable content, in
    /// removal order.
    private var unsyncedRemovals: [(path: String, durableContent: [UInt8])] = []
    /// Files replaced by a rename since their directory was last synced, with the durable
    /// content they had, in rename order.
    private var unsyncedReplacements: [(path: String, durableContent: [UInt8])] = []
    private var pendingSyncFailure: Int32?
    /// `write` fails with this errno once `writeBudgetBytes` more bytes have been written.
    private var writeFailure: Int32?
    private var writeBudgetBytes = 0
    /// File and directory syncs fail with this errno once `syncBudget` more have succeeded.
    private var syncFailure: Int32?
    private var syncBudget = 0
    /// Operations (writes, truncations, syncs, creations, renames, removals) that still run
    /// before the power goes; nil when no cut is planned. Once 0, every call fails with EIO.
    private var operationsBeforePowerCut: Int?

    /// Number of `syncData`/`sync` calls forwarded (file syncs, not directory syncs).
    public private(set) var fileSyncCount = 0
    /// Number of `syncDirectory` calls forwarded.
    public private(set) var directorySyncCount = 0

    public init(base: any FileSystem = PosixFileSystem()) {
        self.base = base
    }

    /// Makes the next `syncData`, `sync` or `syncDirectory` fail with `errno` (without
    /// syncing anything).
    public func failNextSync(errno: Int32) {
        pendingSyncFailure = errno
    }

    // MARK: Fault injection

    /// A full or failing disk: after `bytes` more bytes have been written or allocated, `write`
    /// and `allocate` fail with `errno` (`ENOSPC`, `EIO`, `EDQUOT`...). The write that crosses the
    /// budget is short: its first bytes reach the file (unsynced, as `pwrite` leaves them) before
    /// it throws; an allocation that crosses it changes nothing. Lasts until `clearFaults()`.
    public func failWrites(errno: Int32, afterBytes bytes: Int = 0) {
        precondition(bytes >= 0, "negative write budget \(bytes)")
        writeFailure = errno
        writeBudgetBytes = bytes
    }

    /// A device whose flushes fail: after `count` more successful syncs (file or directory),
    /// every `syncData`, `sync` and `syncDirectory` fails with `errno` without syncing. Lasts
    /// until `clearFaults()`.
    public func failSyncs(errno: Int32, afterSyncs count: Int = 0) {
        precondition(count >= 0, "negative sync budget \(count)")
        syncFailure = errno
        syncBudget = count
    }

    /// Plans a power cut: `count` more mutating operations (write, truncate, file or directory
    /// sync, creating open, rename, remove, createDirectory) run, then every call fails with
    /// `EIO` (the machine is gone), through `crash()`, until `clearFaults()`. Sweeping `count` from 0 up
    /// visits every crash point of the operation under test, in order.
    public func cutPower(afterOperations count: Int) {
        precondition(count >= 0, "negative operation count \(count)")
        operationsBeforePowerCut = count
    }

    /// Ends every injected fault (space was freed, the device was replaced). Storage objects
    /// that met a fault stay unusable: reopen them, as after a restart.
    public func clearFaults() {
        writeFailure = nil
        syncFailure = nil
        pendingSyncFailure = nil
        operationsBeforePowerCut = nil
    }

    /// Whether a planned power cut (`cutPower(afterOperations:)`) has happened: every call
    /// fails until `clearFaults()`.
    public var hasLostPower: Bool { operationsBeforePowerCut == 0 }

    /// Counts one mutating operation against a planned power cut; throws once power is gone.
    private func spendOperation(_ operation: String, _ path: String) throws(WALError) {
        guard let remaining = operationsBeforePowerCut else { return }
        guard remaining > 0 else {
            throw .io(operation: operation, path: path, errno: EIO, message: "injected power cut")
        }
        operationsBeforePowerCut = remaining - 1
    }

    /// Throws once power is gone, for calls that change nothing (read, size, list).
    private func checkPower(_ operation: String, _ path: String) throws(WALError) {
        if operationsBeforePowerCut == 0 {
            throw .io(operation: operation, path: path, errno: EIO, message: "injected power cut")
        }
    }

    /// Simulates a power loss: closes every open handle, drops unsynced data and unsynced
    /// file creations. Storage objects using this file system must be discarded afterwards
    /// (their handles are gone) and reopened, typically on the base file system.
    ///
    /// - Parameters:
    ///   - undoingRemovals: which unsynced removals the power loss undoes (the file reappears
    ///     with its durable content); by default none.
    ///   - undoingRenames: which destinations of unsynced renames over an existing file the
    ///     power loss reverts to the content they had durably; by default none.
    ///   - keepingUnsyncedBytes: for each page of a file holding unsynced bytes (the file's
    ///     path, the file offsets of the page's unsynced bytes), how many of those bytes, from
    ///     the first, reached the disk: 0 (lost; the default for every page), all of them, or
    ///     fewer (torn; a device tears at sector boundaries). Pages are asked in file order,
    ///     files in path order, so a seeded decision replays.
    public func crash(
        undoingRemovals: (String) -> Bool = { _ in false },
        undoingRenames: (String) -> Bool = { _ in false },
        keepingUnsyncedBytes: (_ path: String, _ unsynced: Range<Int>) -> Int = { _, _ in 0 }
    ) throws(WALError) {
        abandonOpenFiles()
        let lostDirectories = unsyncedDirectories
        func isLost(_ path: String) -> Bool {
            lostDirectories.contains { path.hasPrefix($0 + "/") }
        }
        for (path, content) in unsyncedRemovals where !isLost(path) && undoingRemovals(path) {
            let handle = try base.open(path, mode: .createExclusive)
            try base.write(handle, content, at: 0)
            try base.sync(handle)
            try base.close(handle)
        }
        unsyncedRemovals.removeAll()
        for (path, content) in unsyncedReplacements.reversed() where !isLost(path) && undoingRenames(path) {
            let handle = try base.open(path, mode: .createOrTruncate)
            try base.write(handle, content, at: 0)
            try base.sync(handle)
            try base.close(handle)
            durableImages[path] = nil
        }
        unsyncedReplacements.removeAll()
        for path in unsyncedCreations where !isLost(path) {
            try base.remove(path)
            durableImages[path] = nil
        }
        unsyncedCreations.removeAll()
        durableImages = durableImages.filter { !isLost($0.key) }
        for directory in lostDirectories where !isLost(directory) {
            try removeTree(directory)
        }
        unsyncedDirectories.removeAll()
        for path in durableImages.keys.sorted() {
            try loseUnsyncedBytes(path, image: durableImages[path]!, keeping: keepingUnsyncedBytes)
        }
        durableImages.removeAll()
        // After a planned power cut the machine stays dead: objects still holding this file
        // system (and closing from `deinit`) write nothing more until `clearFaults()`.
        if operationsBeforePowerCut != nil { operationsBeforePowerCut = 0 }
    }

    /// Size of the pages a power loss keeps or loses independently (the page cache's unit).
    public static let pageBytes = 4096

    /// Cuts `path` back to its durable image plus what `keeping` says reached the disk of the
    /// unsynced pages: the pages past the synced length and the pages written over synced bytes.
    /// A lost page (or the lost end of a torn one) reads as its synced bytes below the synced
    /// length and as zeros past it, up to the new end.
    private func loseUnsyncedBytes(
        _ path: String, image: DurableImage, keeping: (String, Range<Int>) -> Int
    ) throws(WALError) {
        let handle = try base.open(path, mode: .readWrite)
        try base.withClosing(handle) { () throws(WALError) in
            let current = Int(try base.size(handle))
            let durable = Int(image.length)
            let page = Self.pageBytes
            var numbers = Set(image.overwrittenPages.keys.filter { $0 * page < current })
            if current > durable { numbers.formUnion((durable / page)...((current - 1) / page)) }
            var end = durable
            var lost: [Range<Int>] = []
            for number in numbers.sorted() {
                let first = image.overwrittenPages[number] == nil ? max(durable, number * page) : number * page
                let part = first..<min(current, (number + 1) * page)
                let kept = min(max(keeping(path, part), 0), part.count)
                if kept > 0 { end = max(end, part.lowerBound + kept) }
                if kept < part.count { lost.append((part.lowerBound + kept)..<part.upperBound) }
            }
            for range in lost where range.lowerBound < end {
                var bytes = [UInt8](repeating: 0, count: min(range.upperBound, end) - range.lowerBound)
                if range.lowerBound < durable, let synced = image.overwrittenPages[range.lowerBound / page] {
                    let pageStart = range.lowerBound / page * page
                    let restored = synced[(range.lowerBound - pageStart)..<(min(range.upperBound, durable) - pageStart)]
                    bytes.replaceSubrange(0..<restored.count, with: restored)
                }
                try base.write(handle, bytes, at: Int64(range.lowerBound))
            }
            if end < current { try base.truncate(handle, to: Int64(end)) }
        }
    }

    /// What `path` holds durably: its current content with the synced bytes written over since
    /// the last sync restored, cut to the synced length.
    private func durableContent(of path: String) throws(WALError) -> [UInt8] {
        var content = try base.readWholeFile(path)
        guard let image = durableImages[path] else { return content }
        for (number, synced) in image.overwrittenPages {
            let start = number * Self.pageBytes
            let count = min(synced.count, content.count - start)
            if count > 0 { content.replaceSubrange(start..<(start + count), with: synced.prefix(count)) }
        }
        if Int(image.length) < content.count { content.removeLast(content.count - Int(image.length)) }
        return content
    }

    /// A process crash on a machine that keeps running: closes every open handle (releasing
    /// locks), as the kernel does for a dead process. Everything written stays, and what was
    /// not synced stays exposed to a later `crash()`. Storage objects using the handles must
    /// be discarded.
    public func abandonOpenFiles() {
        for handle in openHandles { try? base.close(handle) }
        openHandles.removeAll()
    }

    public func open(_ path: String, mode: OpenMode) throws(WALError) -> OpenFile {
        if mode == .readOnly || mode == .readWrite {
            try checkPower("open", path)
        } else {
            try spendOperation("open", path)
        }
        var existed = true
        var previousLength: Int64 = 0
        if mode != .readOnly && mode != .readWrite {
            if let probe = try? base.open(path, mode: .readOnly) {
                previousLength = (try? base.size(probe)) ?? 0
                try? base.close(probe)
            } else {
                existed = false
            }
        }
        let handle = try base.open(path, mode: mode)
        openHandles.insert(handle)
        if !existed {
            unsyncedCreations.insert(path)
            durableImages[path] = DurableImage(length: 0)
        } else if mode == .createOrTruncate {
            noteMutation(path, lengthBefore: previousLength)
            durableImages[path] = DurableImage(length: 0)  // The truncation itself is kept (see type comment).
        }
        return handle
    }

    /// Closing a handle that `crash()` already closed is a no-op, so the crashed storage
    /// objects can be released without closing a descriptor number reused since.
    public func close(_ handle: OpenFile) throws(WALError) {
        guard openHandles.remove(handle) != nil else { return }
        try base.close(handle)
    }

    public func write(_ handle: OpenFile, _ bytes: [UInt8], at offset: Int64) throws(WALError) {
        try checkOpen(handle)
        try spendOperation("pwrite", handle.path)
        noteMutation(handle.path, lengthBefore: try base.size(handle))
        try saveSyncedPages(handle, overwrittenBy: Int(offset)..<(Int(offset) + bytes.count))
        if let code = writeFailure {
            if bytes.count > writeBudgetBytes {
                // pwrite writes what fits, then the next call reports the error.
                let written = writeBudgetBytes
                writeBudgetBytes = 0
                if written > 0 { try base.write(handle, Array(bytes.prefix(written)), at: offset) }
                throw .io(
                    operation: "pwrite", path: handle.path, errno: code,
                    message: "injected failure after \(written) of \(bytes.count) bytes")
            }
            writeBudgetBytes -= bytes.count
        }
        try base.write(handle, bytes, at: offset)
    }

    public func read(_ handle: OpenFile, count: Int, at offset: Int64) throws(WALError) -> [UInt8] {
        try checkOpen(handle)
        try checkPower("pread", handle.path)
        return try base.read(handle, count: count, at: offset)
    }

    public func size(_ handle: OpenFile) throws(WALError) -> Int64 {
        try checkOpen(handle)
        try checkPower("fstat", handle.path)
        return try base.size(handle)
    }

    public func truncate(_ handle: OpenFile, to length: Int64) throws(WALError) {
        try checkOpen(handle)
        try spendOperation("ftruncate", handle.path)
        noteMutation(handle.path, lengthBefore: try base.size(handle))
        durableImages[handle.path]!.length = min(durableImages[handle.path]!.length, length)
        try base.truncate(handle, to: length)
    }

    /// Modelled as writing zeros past the end: the new size is lost at a power loss unless synced
    /// (or kept, page by page, as `crash(keepingUnsyncedBytes:)` decides). Meets `failWrites`
    /// like a write of that many bytes, except that it is all or nothing (`fallocate` reserves
    /// no part of a request it cannot satisfy).
    public func allocate(_ handle: OpenFile, upTo length: Int64) throws(WALError) {
        try checkOpen(handle)
        try spendOperation("fallocate", handle.path)
        let current = try base.size(handle)
        guard length > current else { return }
        noteMutation(handle.path, lengthBefore: current)
        if let code = writeFailure {
            let bytes = Int(length - current)
            if bytes > writeBudgetBytes {
                throw .io(
                    operation: "posix_fallocate", path: handle.path, errno: code,
                    message: "injected failure allocating \(bytes) bytes")
            }
            writeBudgetBytes -= bytes
        }
        try base.allocate(handle, upTo: length)
    }

    public func syncData(_ handle: OpenFile) throws(WALError) {
        try checkOpen(handle)
        try consumeSyncFailure(handle.path)
        try base.syncData(handle)
        fileSyncCount += 1
        durableImages[handle.path] = nil
    }

    public func sync(_ handle: OpenFile) throws(WALError) {
        try checkOpen(handle)
        try consumeSyncFailure(handle.path)
        try base.sync(handle)
        fileSyncCount += 1
        durableImages[handle.path] = nil
    }

    public func syncDirectory(_ path: String) throws(WALError) {
        try consumeSyncFailure(path)
        try base.syncDirectory(path)
        directorySyncCount += 1
        unsyncedCreations = unsyncedCreations.filter { parentDirectory(of: $0) != path }
        unsyncedDirectories = unsyncedDirectories.filter { parentDirectory(of: $0) != path }
        unsyncedRemovals.removeAll { parentDirectory(of: $0.path) == path }
        unsyncedReplacements.removeAll { parentDirectory(of: $0.path) == path }
    }

    public func rename(_ source: String, to destination: String) throws(WALError) {
        try spendOperation("rename", source + " -> " + destination)
        // A durable file the rename replaces: after a crash the name holds it or the new one.
        var replaced: [UInt8]?
        if !unsyncedCreations.contains(destination), let content = try? durableContent(of: destination) {
            replaced = content
        }
        try base.rename(source, to: destination)
        if unsyncedCreations.remove(source) != nil && replaced == nil { unsyncedCreations.insert(destination) }
        if let replaced { unsyncedReplacements.append((destination, replaced)) }
        durableImages[destination] = durableImages.removeValue(forKey: source)
    }

    public func remove(_ path: String) throws(WALError) {
        // What a power loss that undoes this removal brings back: the synced content only.
        try spendOperation("unlink", path)
        var content: [UInt8]?
        if !unsyncedCreations.contains(path) { content = try durableContent(of: path) }
        try base.remove(path)
        unsyncedCreations.remove(path)
        durableImages[path] = nil
        if let content { unsyncedRemovals.append((path, content)) }
    }

    public func createDirectory(_ path: String) throws(WALError) {
        try spendOperation("mkdir", path)
        let existed = (try? base.listDirectory(path)) != nil
        try base.createDirectory(path)
        if !existed { unsyncedDirectories.insert(path) }
    }

    /// Removes `directory` and everything below it (a directory lost in the crash).
    private func removeTree(_ directory: String) throws(WALError) {
        for name in try base.listDirectory(directory) {
            let path = joinPath(directory, name)
            if (try? base.listDirectory(path)) != nil {
                try removeTree(path)
            } else {
                try base.remove(path)
            }
        }
        if let memory = base as? InMemoryFileSystem {
            try memory.removeDirectory(directory)
        } else if rmdir(directory) != 0 {
            throw WALError.io(
                operation: "rmdir", path: directory, errno: errno,
                message: "removing a directory lost in a simulated crash")
        }
    }

    public func listDirectory(_ path: String) throws(WALError) -> [String] {
        try checkPower("opendir", path)
        return try base.listDirectory(path)
    }

    /// Refuses handles closed by `crash()` (or never opened here) with EBADF instead of
    /// touching a descriptor number that may belong to someone else by now.
    private func checkOpen(_ handle: OpenFile) throws(WALError) {
        guard openHandles.contains(handle) else {
            throw WALError.io(
                operation: "use", path: handle.path, errno: EBADF,
                message: "handle closed by simulated crash")
        }
    }

    public func lockFile(_ path: String) throws(WALError) -> OpenFile {
        try spendOperation("lock", path)
        let file = try base.lockFile(path)
        openHandles.insert(file)  // crash() releases the lock by closing it
        return file
    }

    /// Records the durable length of a file the first time it changes after a sync.
    private func noteMutation(_ path: String, lengthBefore: Int64) {
        if durableImages[path] == nil { durableImages[path] = DurableImage(length: lengthBefore) }
    }

    /// Saves the synced bytes of each page `range` writes over, the first time since the sync.
    private func saveSyncedPages(_ handle: OpenFile, overwrittenBy range: Range<Int>) throws(WALError) {
        let durable = Int(durableImages[handle.path]!.length)
        guard range.lowerBound < durable, !range.isEmpty else { return }
        let page = Self.pageBytes
        for number in (range.lowerBound / page)...((min(range.upperBound, durable) - 1) / page)
        where durableImages[handle.path]!.overwrittenPages[number] == nil {
            let start = number * page
            let synced = try base.read(handle, count: min(durable, start + page) - start, at: Int64(start))
            durableImages[handle.path]!.overwrittenPages[number] = synced
        }
    }

    /// Counts a sync against a power cut and fails it if a sync fault is due.
    private func consumeSyncFailure(_ path: String) throws(WALError) {
        try spendOperation("fsync", path)
        if let code = syncFailure {
            if syncBudget == 0 {
                throw WALError.io(operation: "fdatasync", path: path, errno: code, message: "injected failure")
            }
            syncBudget -= 1
        }
        if let code = pendingSyncFailure {
            pendingSyncFailure = nil
            throw WALError.io(
                operation: "fdatasync", path: path, errno: code,
                message: "injected failure")
        }
    }
}
