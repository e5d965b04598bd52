/// Snapshot files in one directory, each written atomically and checked by checksum.
///
/// File `<sequence as 16 hex digits>.snap`: magic "skvsnap1" (8) | sequence (UInt64 LE) |
/// data length (UInt64 LE) | CRC-32C of data (UInt32 LE) | CRC-32C of the previous 28 header
/// bytes (UInt32 LE) | data. `sequence` is the caller's (Raft: the last included index); any
/// further metadata (term, membership) goes inside `data`.
///
/// Contract: one owner (thread or actor) uses the store; not `Sendable`. `save` is durable on
/// return (temp file, `fsync`, `rename`, directory `fsync`) and then deletes snapshots beyond
/// the newest `Config.retainCount`. `init` removes `*.tmp` files left by a crash mid-save.
/// The Raft runtime must save a snapshot *before* `WriteAheadLog.truncatePrefix` drops the
/// entries it covers.
public final class SnapshotStore {
    public struct Config: Equatable, Sendable {
        /// Snapshots kept after a save (the newest ones). At least 1.
        public var retainCount: Int
        /// Largest accepted snapshot, in bytes of data.
        public var maxSnapshotBytes: Int

        public init(retainCount: Int = 2, maxSnapshotBytes: Int = 1 << 30) {
            self.retainCount = retainCount
            self.maxSnapshotBytes = maxSnapshotBytes
        }

        public func validate() throws(WALError) {
            guard retainCount >= 1 else {
                throw .invalidConfiguration(
                    reason: "retainCount must be at least 1, is \(retainCount)")
            }
            guard maxSnapshotBytes >= 0 else {
                throw .invalidConfiguration(reason: "maxSnapshotBytes must not be negative")
            }
        }
    }

    public struct Snapshot: Equatable, Sendable {
        public var sequence: UInt64
        public var data: [UInt8]

        public init(sequence: UInt64, data: [UInt8]) {
            self.sequence = sequence
            self.data = data
        }
    }

    static let magic: [UInt8] = Array("skvsnap1".utf8)
    static let headerBytes = 32
    static let suffix = ".snap"

    public let directory: String
    public let config: Config
    let fileSystem: any FileSystem
    /// Temporary files removed by `init` (left by a crash during `save`).
    public private(set) var removedTemporaryFiles: [String] = []

    public init(
        directory: String, config: Config = Config(),
        fileSystem: any FileSystem = PosixFileSystem()
    ) throws(WALError) {
        try config.validate()
        self.directory = directory
        self.config = config
        self.fileSystem = fileSystem
        try fileSystem.createDirectory(directory)
        try fileSystem.syncDirectory(parentDirectory(of: directory))
        for name in try fileSystem.listDirectory(directory)
        where name.hasSuffix(Self.suffix + ".tmp") {
            try fileSystem.remove(joinPath(directory, name))
            removedTemporaryFiles.append(name)
        }
        if !removedTemporaryFiles.isEmpty { try fileSystem.syncDirectory(directory) }
    }

    /// Sequences of the stored snapshots, ascending. Ignores unrelated and temporary files.
    public func sequences() throws(WALError) -> [UInt64] {
        try fileSystem.listDirectory(directory).compactMap { name in
            guard name.hasSuffix(Self.suffix) else { return nil }
            return parseHexName(name.dropLast(Self.suffix.count))
        }.sorted()
    }

    /// Writes a snapshot atomically (replacing one with the same sequence), then prunes old
    /// ones. Durable on return.
    ///
    /// - Throws: `invalidConfiguration` if `data` exceeds `maxSnapshotBytes`; `io`.
    public func save(_ snapshot: Snapshot) throws(WALError) {
        try save(sequence: snapshot.sequence, dataChunks: [snapshot.data])
    }

    /// As ``save(_:)``, with the data given as consecutive chunks, written as they are: a
    /// caller whose data is a small header and a large payload (a Raft snapshot's metadata and
    /// service state) need not concatenate them into one more copy of the payload.
    public func save(sequence: UInt64, dataChunks: [[UInt8]]) throws(WALError) {
        let dataBytes = dataChunks.reduce(0) { $0 + $1.count }
        guard dataBytes <= config.maxSnapshotBytes else {
            throw .invalidConfiguration(
                reason: "snapshot of \(dataBytes) bytes exceeds maxSnapshotBytes \(config.maxSnapshotBytes)")
        }
        var dataChecksum = CRC32C()
        for chunk in dataChunks { dataChecksum.update(chunk) }
        var header = Self.magic
        header.appendLittleEndian(sequence)
        header.appendLittleEndian(UInt64(dataBytes))
        header.appendLittleEndian(dataChecksum.value)
        header.appendLittleEndian(CRC32C.checksum(header))
        try fileSystem.writeAtomically(path(for: sequence), chunks: [header] + dataChunks)
        let all = try sequences()
        if all.count > config.retainCount {
            for old in all.prefix(all.count - config.retainCount) {
                try fileSystem.remove(path(for: old))
            }
            try fileSystem.syncDirectory(directory)
        }
    }

    /// The newest snapshot, or nil if there is none.
    ///
    /// - Throws: `corruptFile` if the newest snapshot fails its checks (older ones are not
    ///   tried silently: the caller decides, e.g. with `load(sequence:)`); `io`.
    public func loadLatest() throws(WALError) -> Snapshot? {
        guard let newest = try sequences().last else { return nil }
        return try load(sequence: newest)
    }

    /// The snapshot with the given sequence.
    ///
    /// - Throws: `corruptFile`; `io` (ENOENT if it does not exist).
    public func load(sequence: UInt64) throws(WALError) -> Snapshot {
        let path = path(for: sequence)
        let bytes = try fileSystem.readWholeFile(path)
        guard bytes.count >= Self.headerBytes, Array(bytes[0..<8]) == Self.magic else {
            throw .corruptFile(path: path, reason: "missing or bad header (\(bytes.count) bytes)")
        }
        let headerCRC = bytes.loadLittleEndianUInt32(at: 28)
        guard CRC32C.checksum(bytes[0..<28]) == headerCRC else {
            throw .corruptFile(path: path, reason: "header checksum mismatch")
        }
        let storedSequence = bytes.loadLittleEndianUInt64(at: 8)
        guard storedSequence == sequence else {
            throw .corruptFile(
                path: path, reason: "header sequence \(storedSequence) does not match file name")
        }
        let length = bytes.loadLittleEndianUInt64(at: 16)
        guard UInt64(bytes.count - Self.headerBytes) == length else {
            throw .corruptFile(
                path: path,
                reason:
                    "header says \(length) data bytes, file has \(bytes.count - Self.headerBytes)")
        }
        let data = Array(bytes[Self.headerBytes...])
        let dataCRC = bytes.loadLittleEndianUInt32(at: 24)
        guard CRC32C.checksum(data) == dataCRC else {
            throw .corruptFile(path: path, reason: "data checksum mismatch")
        }
        return Snapshot(sequence: sequence, data: data)
    }

    func path(for sequence: UInt64) -> String {
        joinPath(directory, Self.fileName(sequence: sequence))
    }

    /// The name of the file holding the snapshot with `sequence` (in ``directory``).
    public static func fileName(sequence: UInt64) -> String { hexName(sequence) + suffix }
}
