import DurableStorage
import Foundation

/// A fresh, uniquely named directory under the system temporary directory, removed when the
/// body returns or throws. Returns the path of a not-yet-existing child `name` inside it so
/// tests also cover directory creation.
@discardableResult
func withTemporaryDirectory<T>(
    _ name: String = "wal", _ body: (String) throws -> T
) throws -> T {
    let root = FileManager.default.temporaryDirectory
        .appendingPathComponent("skv-durable-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: root) }
    return try body(root.appendingPathComponent(name).path)
}

/// Byte-level helpers for damaging files the way crashes and disks do.
enum Disk {
    static let fileSystem = PosixFileSystem()

    static func size(_ path: String) throws -> Int64 {
        let file = try fileSystem.open(path, mode: .readOnly)
        defer { try? fileSystem.close(file) }
        return try fileSystem.size(file)
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        try fileSystem.readWholeFile(path)
    }

    static func truncate(_ path: String, to length: Int64) throws {
        let file = try fileSystem.open(path, mode: .readWrite)
        defer { try? fileSystem.close(file) }
        try fileSystem.truncate(file, to: length)
    }

    static func append(_ path: String, _ bytes: [UInt8]) throws {
        let file = try fileSystem.open(path, mode: .readWrite)
        defer { try? fileSystem.close(file) }
        try fileSystem.write(file, bytes, at: try fileSystem.size(file))
    }

    /// XORs the byte at `offset` with 0xFF.
    static func flipByte(_ path: String, at offset: Int64) throws {
        let file = try fileSystem.open(path, mode: .readWrite)
        defer { try? fileSystem.close(file) }
        let old = try fileSystem.read(file, count: 1, at: offset)
        try fileSystem.write(file, [old[0] ^ 0xFF], at: offset)
    }

    static func write(_ path: String, _ bytes: [UInt8]) throws {
        let file = try fileSystem.open(path, mode: .createOrTruncate)
        defer { try? fileSystem.close(file) }
        try fileSystem.write(file, bytes, at: 0)
    }

    static func list(_ directory: String) throws -> [String] {
        try fileSystem.listDirectory(directory).sorted()
    }

    /// The segment files in a log directory (without the LOCK file), sorted.
    static func segments(_ directory: String) throws -> [String] {
        try list(directory).filter { $0.hasSuffix(".wal") }
    }
}

/// A deterministic payload for record `sequence`, `size` bytes long.
func payload(_ sequence: UInt64, size: Int) -> [UInt8] {
    (0..<size).map { UInt8(truncatingIfNeeded: Int(sequence) &* 31 &+ $0) }
}

func records(_ sequences: ClosedRange<UInt64>, size: Int = 100, type: UInt8 = 1) -> [WriteAheadLog
    .Record]
{
    sequences.map {
        WriteAheadLog.Record(type: type, sequence: $0, payload: payload($0, size: size))
    }
}

/// Small segments so a few hundred records span several files.
let smallSegments = WriteAheadLog.Config(segmentSizeBytes: 4096, maxRecordBytes: 1024)

/// Offsets in the WAL format, duplicated here on purpose: tests pin the on-disk layout.
let segmentHeaderBytes: Int64 = 32
let recordFramingBytes = 17  // length (4) + CRC (4) + type (1) + sequence (8)

/// A small seeded generator (SplitMix64) so randomized tests replay from their printed seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Creates a uniquely named empty directory and returns its path; the caller removes it
/// with `removeTree` (for async tests, which `withTemporaryDirectory` does not serve).
func makeTemporaryRoot() throws -> String {
    let root = FileManager.default.temporaryDirectory
        .appendingPathComponent("skv-durable-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    return root
}

/// Removes a directory tree (for tests that cannot use `withTemporaryDirectory`'s scope).
func removeTree(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}
