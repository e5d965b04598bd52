import DurableStorage
import Raft
import RaftRuntime

/// Fuzzing of recovery: a ``DiskRaftStore`` (its write-ahead log, snapshot store and hard
/// state file) opened over arbitrary file contents in an ``InMemoryFileSystem``.
///
/// Input layout: a sequence of files, each `kind` (1 byte) | `name` (UInt64 LE) | `length`
/// (UInt16 LE) | `length` bytes (fewer at the end of the input). `kind` modulo 6 picks where
/// the file goes: a WAL segment `wal/<name as 16 hex digits>.wal`, a snapshot
/// `snapshots/<name>.snap`, `hardstate`, `hardstate.tmp`, a leftover `snapshots/<name>.snap.tmp`,
/// or a segment named in upper-case hex. With bit 7 of `kind` set, the harness first repairs
/// the file's checksums (``ChecksumRepair``), so mutations reach the logic behind them
/// (segment chains, sequence order, snapshot and log agreement) instead of stopping at a
/// checksum mismatch.
///
/// Oracles: opening and loading either succeed or throw; a store that opened opens again
/// (recovery is idempotent) and loads the same state; a loaded state starts a Raft node the
/// way `RaftPeer` does (a clear error or a node that runs, never a trap); after a successful
/// load, one more entry persists and is there after a reopen.
enum StorageFuzzing {
    static let directory = "/data"
    /// Small segments, so that seeds span several of them.
    static let walConfig = WriteAheadLog.Config(segmentSizeBytes: 4 << 10, maxRecordBytes: 1 << 10)

    static func run(_ input: [UInt8]) {
        let fileSystem = InMemoryFileSystem()
        for (path, bytes) in files(in: input) { fileSystem.place(path, bytes) }

        guard let first = try? DiskRaftStore(directory: directory, fileSystem: fileSystem, walConfig: walConfig) else {
            return
        }
        let loaded = try? first.load()
        first.close()

        let second = mustSucceed("reopen a store that opened") { () throws(RaftStoreError) in
            try DiskRaftStore(directory: directory, fileSystem: fileSystem, walConfig: walConfig)
        }
        guard let loaded else {
            second.close()
            return
        }
        let reloaded = mustSucceed("load again a store that loaded") { () throws(RaftStoreError) in
            try second.load()
        }
        check(reloaded == loaded, "a second recovery loaded a different state")
        startNode(from: loaded)

        let lastIndex = loaded.entries.last?.index ?? loaded.snapshot?.metadata.index ?? 0
        guard lastIndex < UInt64.max - 1 else {
            second.close()
            return
        }
        let term = max(loaded.hardState.term, loaded.entries.last?.term ?? 0, 1)
        let entry = Entry(term: term, index: lastIndex + 1, kind: .normal, data: [7, 7, 7])
        mustSucceed("persist an entry after recovery") { () throws(RaftStoreError) in
            try second.persist(hardState: nil, entries: [entry], snapshot: nil, mustSync: true)
        }
        second.close()
        let third = mustSucceed("reopen after persisting") { () throws(RaftStoreError) in
            try DiskRaftStore(directory: directory, fileSystem: fileSystem, walConfig: walConfig)
        }
        let final = mustSucceed("load after persisting") { () throws(RaftStoreError) in try third.load() }
        check(final.entries.last == entry, "the entry persisted after recovery is missing")
        third.close()
    }

    /// Builds a node of a three-voter group from `state` as `RaftPeer.init` does (snapshot,
    /// entries after it, hard state), then lets it campaign and hands out its `Ready`s.
    static func startNode(from state: PersistedRaftState) {
        let storage = MemoryStorage(voters: [1, 2, 3])
        var applied: UInt64 = 0
        if let snapshot = state.snapshot, snapshot.metadata.index > 0 {
            guard (try? storage.applySnapshot(snapshot)) != nil else { return }
            applied = snapshot.metadata.index
        }
        storage.append(state.entries.filter { $0.index > applied })
        if !state.hardState.isEmpty { storage.setHardState(state.hardState) }
        let config = Config(id: 1, appliedIndex: applied, random: SplitMix64(seed: 1))
        guard var node = try? RaftNode(config: config, storage: storage) else { return }
        node.campaign()
        for _ in 0..<3 {
            let ready = node.ready()
            node.advance(ready)
            node.tick()
        }
    }

    /// The files an input describes (see the type's documentation).
    static func files(in input: [UInt8]) -> [(path: String, bytes: [UInt8])] {
        var result: [(path: String, bytes: [UInt8])] = []
        var offset = 0
        while offset + 11 <= input.count {
            let kind = input[offset]
            var name: UInt64 = 0
            for i in 0..<8 { name |= UInt64(input[offset + 1 + i]) << (8 * UInt64(i)) }
            let length = Int(input[offset + 9]) | Int(input[offset + 10]) << 8
            let start = offset + 11
            let end = min(start + length, input.count)
            var bytes = Array(input[start..<end])
            if kind & 0x80 != 0 { ChecksumRepair.repair(&bytes, kind: kind % 6) }
            result.append((path(kind: kind, name: name), bytes))
            offset = end
        }
        return result
    }

    static func path(kind: UInt8, name: UInt64) -> String {
        let hex = String(name, radix: 16)
        let padded = String(repeating: "0", count: 16 - hex.count) + hex
        switch kind % 6 {
        case 0: return "\(directory)/wal/\(padded).wal"
        case 1: return "\(directory)/snapshots/\(padded).snap"
        case 2: return "\(directory)/hardstate"
        case 3: return "\(directory)/hardstate.tmp"
        case 4: return "\(directory)/snapshots/\(padded).snap.tmp"
        default: return "\(directory)/wal/\(padded.uppercased()).wal"
        }
    }

    /// Encodes files in the input layout (for seeds): `kind` and `name` are recovered from
    /// each path, which must be one ``path(kind:name:)`` produces.
    static func input(from files: [String: [UInt8]]) -> [UInt8] {
        var result: [UInt8] = []
        for (path, bytes) in files.sorted(by: { $0.key < $1.key }) {
            guard let (kind, name) = kindAndName(of: path) else { continue }
            result.append(kind | 0x80)
            for i in 0..<8 { result.append(UInt8(truncatingIfNeeded: name >> (8 * UInt64(i)))) }
            let length = min(bytes.count, Int(UInt16.max))
            result.append(UInt8(truncatingIfNeeded: length))
            result.append(UInt8(truncatingIfNeeded: length >> 8))
            result.append(contentsOf: bytes.prefix(length))
        }
        return result
    }

    private static func kindAndName(of path: String) -> (UInt8, UInt64)? {
        let name = path.split(separator: "/").last.map(String.init) ?? ""
        let number = UInt64(name.prefix(16), radix: 16) ?? 0
        for kind: UInt8 in 0..<5 where path == Self.path(kind: kind, name: number) {
            return (kind, number)
        }
        return nil
    }
}
