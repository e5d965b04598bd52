import DurableStorage

/// A backup of a replica group's state, as `skv kv snapshot save` writes it and `skv kv
/// snapshot restore` reads it (the model is etcd's `etcdctl snapshot save` / `etcdutl snapshot
/// restore`).
///
/// Layout (integers little-endian): magic `skvsnap1` (8) | service (UInt32: 1 = kv) | log
/// index the state covers (UInt64) | payload length (UInt64) | CRC-32C of the payload (UInt32)
/// | payload: an `skv.rsm.Snapshot` (the session table and the service's state snapshot, what
/// a restarted replica restores). Written atomically (temporary file, fsync, rename).
struct SnapshotFile: Equatable {
    /// Which service's state a file holds.
    enum Service: UInt32, CustomStringConvertible {
        case kv = 1

        var description: String {
            switch self {
            case .kv: "kv"
            }
        }
    }

    static let magic: [UInt8] = Array("skvsnap1".utf8)
    static let headerBytes = 32
    /// Largest payload accepted: what one snapshot can be (`SnapshotStore`'s 1 GiB limit).
    static let maxPayloadBytes = 1 << 30

    var service: Service
    /// The last log index the state includes (at least 1).
    var index: UInt64
    /// The `skv.rsm.Snapshot` bytes.
    var payload: [UInt8]

    /// The file's bytes.
    var encoded: [UInt8] {
        var bytes = Self.magic
        bytes.reserveCapacity(Self.headerBytes + payload.count)
        appendLittleEndian(service.rawValue, to: &bytes)
        appendLittleEndian(index, to: &bytes)
        appendLittleEndian(UInt64(payload.count), to: &bytes)
        appendLittleEndian(CRC32C.checksum(payload), to: &bytes)
        bytes.append(contentsOf: payload)
        return bytes
    }

    init(service: Service, index: UInt64, payload: [UInt8]) {
        precondition(index >= 1, "a snapshot covers at least log index 1")
        self.service = service
        self.index = index
        self.payload = payload
    }

    /// Decodes and checks a file's bytes.
    /// - Throws: ``SKVError`` saying what is wrong: not a snapshot file, an unknown service,
    ///   truncated or extended, a checksum mismatch.
    init(decoding bytes: [UInt8]) throws(SKVError) {
        guard bytes.count >= Self.headerBytes, Array(bytes[0..<Self.magic.count]) == Self.magic else {
            throw SKVError("not an skv snapshot file (no skvsnap1 header)")
        }
        let serviceTag = UInt32(truncatingIfNeeded: Self.load(bytes, at: 8, width: 4))
        guard let service = Service(rawValue: serviceTag) else {
            throw SKVError("snapshot of an unknown service (tag \(serviceTag))")
        }
        let index = Self.load(bytes, at: 12, width: 8)
        let length = Self.load(bytes, at: 20, width: 8)
        let stored = UInt32(truncatingIfNeeded: Self.load(bytes, at: 28, width: 4))
        guard length <= UInt64(Self.maxPayloadBytes), Int(length) == bytes.count - Self.headerBytes else {
            throw SKVError(
                "truncated or corrupt: the header says \(length) payload bytes, the file has "
                    + "\(bytes.count - Self.headerBytes)")
        }
        let payload = Array(bytes[Self.headerBytes...])
        let computed = CRC32C.checksum(payload)
        guard computed == stored else {
            throw SKVError("corrupt: payload checksum \(computed) differs from the stored \(stored)")
        }
        guard index >= 1 else { throw SKVError("corrupt: the snapshot covers log index 0") }
        self.init(service: service, index: index, payload: payload)
    }

    private static func load(_ bytes: [UInt8], at offset: Int, width: Int) -> UInt64 {
        (0..<width).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
    }

    private func appendLittleEndian(_ value: some FixedWidthInteger, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Writes the file atomically (durable on return).
    /// - Throws: ``SKVError`` with the I/O failure.
    func write(to path: String) throws(SKVError) {
        do {
            try PosixFileSystem().writeAtomically(path, chunks: [encoded])
        } catch {
            throw SKVError("cannot write \(path): \(error)")
        }
    }

    /// Reads and checks the file at `path`.
    /// - Throws: ``SKVError`` naming the file and what is wrong with it.
    static func read(from path: String) throws(SKVError) -> SnapshotFile {
        let bytes: [UInt8]
        do {
            bytes = try PosixFileSystem().readWholeFile(path)
        } catch {
            throw SKVError("cannot read \(path): \(error)")
        }
        do {
            return try SnapshotFile(decoding: bytes)
        } catch {
            throw SKVError("\(path): \(error.message)")
        }
    }
}
