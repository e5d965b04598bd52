/// An open file: the descriptor plus the path it was opened with (for error messages).
/// Named to avoid clashing with `Foundation.FileHandle`. Owned by whoever opened it, who must
/// `close` it exactly once.
public struct OpenFile: Hashable, Sendable {
    public let descriptor: Int32
    public let path: String

    public init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }
}

/// How `FileSystem.open` opens a file.
public enum OpenMode: Sendable {
    /// Read only; the file must exist.
    case readOnly
    /// Read and write; the file must exist.
    case readWrite
    /// Read and write; the file must not exist yet (`O_CREAT | O_EXCL`).
    case createExclusive
    /// Read and write; created if missing, emptied if present (`O_CREAT | O_TRUNC`).
    case createOrTruncate
    /// Read and write; created if missing, content kept (`O_CREAT`).
    case createIfMissing
}

/// The file-system operations durable storage needs, and the seam for fault injection.
///
/// `PosixFileSystem` is the production implementation (plain Glibc system calls);
/// `CrashSimulatingFileSystem` wraps it and can drop unsynced data to model a power loss.
/// Every method reports failure as `WALError.io` carrying the path and `errno`.
///
/// Durability contract (what callers may rely on, and all that the crash simulator keeps):
/// * bytes written with `write` (also over earlier bytes), and a size set by `allocate` or `truncate`,
///   survive a crash only after `syncData`/`sync` on that file;
/// * a created, renamed or removed directory entry survives only after `syncDirectory` on
///   the directory that holds it.
///
/// Implementations need not be thread-safe: each storage object uses its file system from
/// the single thread (or actor) that owns it.
public protocol FileSystem {
    func open(_ path: String, mode: OpenMode) throws(WALError) -> OpenFile
    func close(_ handle: OpenFile) throws(WALError)
    /// Writes all of `bytes` at `offset` (retrying short writes and `EINTR`).
    func write(_ handle: OpenFile, _ bytes: [UInt8], at offset: Int64) throws(WALError)
    /// Reads up to `count` bytes at `offset`; fewer only when end of file is reached.
    func read(_ handle: OpenFile, count: Int, at offset: Int64) throws(WALError) -> [UInt8]
    func size(_ handle: OpenFile) throws(WALError) -> Int64
    func truncate(_ handle: OpenFile, to length: Int64) throws(WALError)
    /// Makes the file at least `length` bytes long, with its disk blocks reserved, the bytes past the old
    /// end reading as zeros (`posix_fallocate`, which unlike `FALLOC_FL_KEEP_SIZE` changes the size); never
    /// shrinks it. Writes below `length` then change no file size, so their `fdatasync` has no size to
    /// commit. The new size is durable only after `syncData`/`sync`. A full disk throws `ENOSPC`, like
    /// `write`.
    func allocate(_ handle: OpenFile, upTo length: Int64) throws(WALError)
    /// `fdatasync`: data and the metadata needed to read it back (including the size).
    func syncData(_ handle: OpenFile) throws(WALError)
    /// `fsync`: data and all metadata.
    func sync(_ handle: OpenFile) throws(WALError)
    /// Opens `path` as a directory and `fsync`s it, making entry changes in it durable.
    func syncDirectory(_ path: String) throws(WALError)
    /// `rename(2)`: atomically replaces `destination` if it exists.
    func rename(_ source: String, to destination: String) throws(WALError)
    func remove(_ path: String) throws(WALError)
    /// Creates the directory if it does not exist yet (one level, like `mkdir`).
    func createDirectory(_ path: String) throws(WALError)
    /// Names of the entries in the directory, excluding "." and "..", in no particular order.
    func listDirectory(_ path: String) throws(WALError) -> [String]
    /// Opens (creating if needed) `path` and takes an exclusive advisory lock on it without
    /// waiting; closing the returned file (with this file system's `close`) releases the lock.
    /// Throws `WALError.locked` if another open file holds it (in this or another process).
    /// A process forked after the lock was taken does not hold it.
    func lockFile(_ path: String) throws(WALError) -> OpenFile
}

extension FileSystem {
    /// Reads a whole file (open, size, read, close).
    public func readWholeFile(_ path: String) throws(WALError) -> [UInt8] {
        let handle = try open(path, mode: .readOnly)
        return try withClosing(handle) { () throws(WALError) in
            try read(handle, count: Int(try size(handle)), at: 0)
        }
    }

    /// Runs `body`, then closes `handle` exactly once whatever happens (closing twice could
    /// close a descriptor number another thread has been given since). A close error is
    /// reported only if `body` succeeded.
    public func withClosing<T>(
        _ handle: OpenFile, _ body: () throws(WALError) -> T
    ) throws(WALError) -> T {
        let result: T
        do throws(WALError) {
            result = try body()
        } catch {
            try? close(handle)
            throw error
        }
        try close(handle)
        return result
    }

    /// Writes `bytes` to `path` so that after a crash the file holds either its old content
    /// or all of `bytes`, never a mix: write a temporary sibling (`path + ".tmp"`), `fsync`
    /// it, `rename` it over `path`, `fsync` the directory. Durable when it returns.
    /// A crash can leave the temporary file behind; readers ignore it and owners remove it.
    /// A failed write or `fsync` removes the temporary file and is never retried on it
    /// (PostgreSQL's "fsyncgate": after a failed `fsync` the kernel may have dropped the dirty
    /// pages, so a second `fsync` could succeed over lost data); `path` keeps its old content.
    public func writeAtomically(_ path: String, chunks: [[UInt8]]) throws(WALError) {
        let temporaryPath = path + ".tmp"
        let handle = try open(temporaryPath, mode: .createOrTruncate)
        do throws(WALError) {
            try withClosing(handle) { () throws(WALError) in
                var offset: Int64 = 0
                for chunk in chunks {
                    try write(handle, chunk, at: offset)
                    offset += Int64(chunk.count)
                }
                try sync(handle)
            }
        } catch {
            try? remove(temporaryPath)
            throw error
        }
        try rename(temporaryPath, to: path)
        try syncDirectory(parentDirectory(of: path))
    }
}
