internal import Glibc

/// A small file replaced atomically and protected by a checksum: the building block for
/// state that is rewritten whole (Raft's term/vote/commit, see `HardStateFile`).
///
/// Layout: magic "skvatom1" (8) | payload length (UInt32 LE) | CRC-32C of length and
/// payload (UInt32 LE) | payload.
///
/// Contract: one owner writes; `write` is durable on return and, after a crash, `read` sees
/// either the previous content or the new one, never a mix (temp file + `fsync` + `rename`
/// + directory `fsync`). A leftover `path + ".tmp"` from a crash is ignored by `read` and
/// overwritten by the next `write`; `removeLeftoverTemporaryFile()` deletes it eagerly.
/// Value type holding only a path and a file system; confined to the owner like its
/// `FileSystem`.
public struct AtomicFile {
    public let path: String
    let fileSystem: any FileSystem

    static let magic: [UInt8] = Array("skvatom1".utf8)
    static let headerBytes = 16

    public init(path: String, fileSystem: any FileSystem = PosixFileSystem()) {
        self.path = path
        self.fileSystem = fileSystem
    }

    /// Replaces the file's content with `payload`. Durable on return.
    public func write(_ payload: [UInt8]) throws(WALError) {
        precondition(payload.count <= Int(UInt32.max), "atomic file payload too large")
        var header = Self.magic
        var lengthBytes: [UInt8] = []
        lengthBytes.appendLittleEndian(UInt32(payload.count))
        var crc = CRC32C()
        crc.update(lengthBytes)
        crc.update(payload)
        header.append(contentsOf: lengthBytes)
        header.appendLittleEndian(crc.value)
        try fileSystem.writeAtomically(path, chunks: [header + payload])
    }

    /// The current payload; nil if the file does not exist.
    ///
    /// - Throws: `corruptFile` if the header or checksum is wrong; `io`.
    public func read() throws(WALError) -> [UInt8]? {
        let bytes: [UInt8]
        do throws(WALError) {
            bytes = try fileSystem.readWholeFile(path)
        } catch {
            if case .io(_, _, ENOENT, _) = error { return nil }
            throw error
        }
        guard bytes.count >= Self.headerBytes, Array(bytes[0..<8]) == Self.magic else {
            throw .corruptFile(path: path, reason: "missing or bad header (\(bytes.count) bytes)")
        }
        let length = Int(bytes.loadLittleEndianUInt32(at: 8))
        guard bytes.count == Self.headerBytes + length else {
            throw .corruptFile(
                path: path,
                reason: "length field \(length) but \(bytes.count - Self.headerBytes) payload bytes"
            )
        }
        let stored = bytes.loadLittleEndianUInt32(at: 12)
        var crc = CRC32C()
        crc.update(bytes[8..<12])
        crc.update(bytes[Self.headerBytes...])
        guard crc.value == stored else {
            throw .corruptFile(
                path: path, reason: "checksum mismatch (stored \(stored), computed \(crc.value))")
        }
        return Array(bytes[Self.headerBytes...])
    }

    /// Deletes a temporary file left by a crash during `write`, if any. Returns whether one
    /// was removed.
    @discardableResult
    public func removeLeftoverTemporaryFile() throws(WALError) -> Bool {
        do throws(WALError) {
            try fileSystem.remove(path + ".tmp")
        } catch {
            if case .io(_, _, ENOENT, _) = error { return false }
            throw error
        }
        try fileSystem.syncDirectory(parentDirectory(of: path))
        return true
    }
}

/// Raft's persistent scalar state, stored as three integers (0 means "none" for `vote`, as
/// in etcd). Carries no Raft types: the runtime maps its own values onto these fields.
public struct HardState: Equatable, Sendable {
    public var term: UInt64
    public var vote: UInt64
    public var commit: UInt64

    public init(term: UInt64, vote: UInt64, commit: UInt64) {
        self.term = term
        self.vote = vote
        self.commit = commit
    }
}

/// `HardState` in an `AtomicFile` (24 bytes of payload). Same contract as `AtomicFile`: call
/// `save` before acting on a new term or vote (before replying to a vote request).
public struct HardStateFile {
    public let file: AtomicFile

    public init(path: String, fileSystem: any FileSystem = PosixFileSystem()) {
        file = AtomicFile(path: path, fileSystem: fileSystem)
    }

    public func save(_ state: HardState) throws(WALError) {
        var payload: [UInt8] = []
        payload.appendLittleEndian(state.term)
        payload.appendLittleEndian(state.vote)
        payload.appendLittleEndian(state.commit)
        try file.write(payload)
    }

    /// The saved state, or nil if none was ever saved.
    public func load() throws(WALError) -> HardState? {
        guard let payload = try file.read() else { return nil }
        guard payload.count == 24 else {
            throw .corruptFile(
                path: file.path, reason: "hard state payload is \(payload.count) bytes, expected 24"
            )
        }
        return HardState(
            term: payload.loadLittleEndianUInt64(at: 0),
            vote: payload.loadLittleEndianUInt64(at: 8),
            commit: payload.loadLittleEndianUInt64(at: 16))
    }
}
