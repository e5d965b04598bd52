import DurableStorage
import Glibc
import Testing

/// `CrashSimulatingFileSystem`'s page model of a power loss (unsynced pages written back whole,
/// lost or torn, out of order) and its process crash, over an `InMemoryFileSystem`.
@Suite struct CrashSimulatingFileSystemPageTests {
    private static let page = CrashSimulatingFileSystem.pageBytes

    /// A file with `synced` durable bytes (value 1) and then `unsynced` more (value 2).
    private func fileWithUnsyncedTail(synced: Int, unsynced: Int) throws -> (CrashSimulatingFileSystem, OpenFile) {
        let fs = CrashSimulatingFileSystem(base: InMemoryFileSystem())
        try fs.createDirectory("/d")
        try fs.syncDirectory("/")
        let file = try fs.open("/d/f", mode: .createExclusive)
        try fs.write(file, [UInt8](repeating: 1, count: synced), at: 0)
        try fs.sync(file)
        try fs.syncDirectory("/d")
        try fs.write(file, [UInt8](repeating: 2, count: unsynced), at: Int64(synced))
        return (fs, file)
    }

    @Test func byDefaultEveryUnsyncedByteIsLost() throws {
        let (fs, _) = try fileWithUnsyncedTail(synced: 100, unsynced: 3 * Self.page)
        try fs.crash()
        #expect(try fs.readWholeFile("/d/f") == [UInt8](repeating: 1, count: 100))
    }

    /// Only the third page reached the disk: the unsynced bytes before it read as zeros.
    @Test func aLaterPageCanLandWithoutAnEarlierOne() throws {
        let (fs, _) = try fileWithUnsyncedTail(synced: 100, unsynced: 3 * Self.page)
        var asked: [Range<Int>] = []
        try fs.crash(keepingUnsyncedBytes: { path, unsynced in
            #expect(path == "/d/f")
            asked.append(unsynced)
            return unsynced.lowerBound == 2 * Self.page ? unsynced.count : 0
        })
        let page = Self.page
        #expect(asked == [100..<page, page..<(2 * page), (2 * page)..<(3 * page), (3 * page)..<(100 + 3 * page)])
        let bytes = try fs.readWholeFile("/d/f")
        #expect(bytes.count == 3 * Self.page)
        #expect(bytes[..<100].allSatisfy { $0 == 1 })
        #expect(bytes[100..<(2 * Self.page)].allSatisfy { $0 == 0 })
        #expect(bytes[(2 * Self.page)...].allSatisfy { $0 == 2 })
    }

    /// The second page was torn after 1,000 bytes: the file ends there.
    @Test func aTornPageEndsTheFileMidPage() throws {
        let (fs, _) = try fileWithUnsyncedTail(synced: 0, unsynced: 3 * Self.page)
        try fs.crash(keepingUnsyncedBytes: { _, unsynced in
            switch unsynced.lowerBound / Self.page {
            case 0: unsynced.count
            case 1: 1_000
            default: 0
            }
        })
        let bytes = try fs.readWholeFile("/d/f")
        #expect(bytes == [UInt8](repeating: 2, count: Self.page + 1_000))
    }

    /// Bytes written over synced ones (a preallocated file's zeros) and not synced revert to
    /// the synced bytes, page by page as the crash decides: lost, kept, or torn at a sector.
    @Test(arguments: [0, 512, 3 * 4096])
    func anUnsyncedOverwriteRevertsToTheSyncedBytes(keptBytes: Int) throws {
        let (fs, file) = try fileWithUnsyncedTail(synced: 3 * Self.page, unsynced: 0)
        try fs.write(file, [UInt8](repeating: 2, count: Self.page), at: Int64(Self.page + 100))
        var asked: [Range<Int>] = []
        try fs.crash(keepingUnsyncedBytes: { _, unsynced in
            asked.append(unsynced)
            return unsynced.lowerBound == Self.page ? keptBytes : 0
        })
        let page = Self.page
        #expect(asked == [page..<(2 * page), (2 * page)..<(3 * page)])
        var expected = [UInt8](repeating: 1, count: 3 * page)
        let written = (page + 100)..<max(page + 100, min(page + keptBytes, 2 * page))
        if !written.isEmpty { expected.replaceSubrange(written, with: repeatElement(2, count: written.count)) }
        #expect(try fs.readWholeFile("/d/f") == expected)
    }

    /// An allocation is lost with the power unless synced, and a full disk refuses it whole.
    @Test func anUnsyncedAllocationIsLostAndASyncedOneKept() throws {
        let (fs, file) = try fileWithUnsyncedTail(synced: 100, unsynced: 0)
        try fs.allocate(file, upTo: 16 << 10)
        #expect(try fs.size(file) == 16 << 10)
        try fs.crash()
        #expect(try fs.readWholeFile("/d/f") == [UInt8](repeating: 1, count: 100))
        let reopened = try fs.open("/d/f", mode: .readWrite)
        fs.failWrites(errno: ENOSPC, afterBytes: 4096)
        #expect(throws: WALError.io(
            operation: "posix_fallocate", path: "/d/f", errno: ENOSPC,
            message: "injected failure allocating \((16 << 10) - 100) bytes")
        ) { try fs.allocate(reopened, upTo: 16 << 10) }
        #expect(try fs.size(reopened) == 100)
        fs.clearFaults()
        try fs.allocate(reopened, upTo: 16 << 10)
        try fs.syncData(reopened)
        try fs.crash()
        let bytes = try fs.readWholeFile("/d/f")
        #expect(bytes.count == 16 << 10)
        #expect(bytes[100...].allSatisfy { $0 == 0 })
    }

    /// A process crash closes the handles and keeps what was written, still unsynced: a power
    /// loss after it drops it.
    @Test func aProcessCrashKeepsUnsyncedBytesExposedToALaterPowerLoss() throws {
        let (fs, file) = try fileWithUnsyncedTail(synced: 10, unsynced: 10)
        fs.abandonOpenFiles()
        #expect(throws: WALError.self) { try fs.write(file, [3], at: 0) }
        #expect(try fs.readWholeFile("/d/f").count == 20)
        try fs.crash()
        #expect(try fs.readWholeFile("/d/f") == [UInt8](repeating: 1, count: 10))
    }

    /// `writeAtomically` over an existing file, then a power loss before the directory sync:
    /// the file is old or new (as the crash chooses), never gone.
    @Test(arguments: [false, true])
    func anUnsyncedRenameOverAFileLeavesTheOldOrTheNewContent(undone: Bool) throws {
        let fs = CrashSimulatingFileSystem(base: InMemoryFileSystem())
        try fs.createDirectory("/d")
        try fs.syncDirectory("/")
        try fs.writeAtomically("/d/state", chunks: [[1, 1]])
        let temporary = try fs.open("/d/state.tmp", mode: .createExclusive)
        try fs.write(temporary, [2, 2, 2], at: 0)
        try fs.sync(temporary)
        try fs.close(temporary)
        try fs.rename("/d/state.tmp", to: "/d/state")
        try fs.crash(undoingRenames: { _ in undone })
        #expect(try fs.readWholeFile("/d/state") == (undone ? [1, 1] : [2, 2, 2]))
        #expect(try fs.listDirectory("/d") == ["state"])
    }

    @Test func aPlannedPowerCutIsReported() throws {
        let (fs, file) = try fileWithUnsyncedTail(synced: 1, unsynced: 1)
        fs.cutPower(afterOperations: 1)
        #expect(!fs.hasLostPower)
        try fs.write(file, [3], at: 2)
        #expect(throws: WALError.self) { try fs.syncData(file) }
        #expect(fs.hasLostPower)
        try fs.crash()
        fs.clearFaults()
        #expect(try fs.readWholeFile("/d/f") == [1])
    }

    @Test func aDirectoryLostInAPowerLossIsRemovedFromMemory() throws {
        let fs = CrashSimulatingFileSystem(base: InMemoryFileSystem())
        try fs.createDirectory("/lost")
        let file = try fs.open("/lost/f", mode: .createExclusive)
        try fs.sync(file)
        try fs.crash()
        #expect(try fs.listDirectory("/").isEmpty)
    }

    /// Property: whatever pages of an unsynced batch land (whole, torn at a sector, lost, in
    /// any order), the WAL reopens and holds every synced record and then a prefix of the rest.
    @Test func theLogAlwaysRecoversFromRandomPageLoss() throws {
        let seed = UInt64.random(in: 1...UInt64.max)
        print("theLogAlwaysRecoversFromRandomPageLoss: seed \(seed)")
        var random = SeededGenerator(seed: seed)
        for round in 0..<200 {
            let fs = CrashSimulatingFileSystem(base: InMemoryFileSystem())
            let config = WriteAheadLog.Config(segmentSizeBytes: 64 << 10, maxRecordBytes: 16 << 10)
            let log = try WriteAheadLog(directory: "/wal", config: config, fileSystem: fs)
            var sequence: UInt64 = 0
            var synced: UInt64 = 0
            for _ in 0..<Int(random.next() % 6 + 1) {
                var batch: [WriteAheadLog.Record] = []
                for _ in 0..<Int(random.next() % 8 + 1) {
                    sequence += 1
                    let size = Int(random.next() % 3_000)
                    batch.append(.init(type: 1, sequence: sequence, payload: [UInt8](repeating: 7, count: size)))
                }
                try log.append(batch)
                if random.next() % 3 != 0 {
                    try log.sync()
                    synced = sequence
                }
            }
            try fs.crash(
                undoingRemovals: { _ in random.next() % 2 == 0 },
                keepingUnsyncedBytes: { _, unsynced in
                    switch random.next() % 4 {
                    case 0, 1: return unsynced.count
                    case 2: return 0
                    default:
                        // Torn at a sector boundary of the file.
                        let first = (unsynced.lowerBound / 512 + 1) * 512
                        let sectors = Array(stride(from: first, to: unsynced.upperBound, by: 512))
                        guard !sectors.isEmpty else { return 0 }
                        return sectors[Int(random.next() % UInt64(sectors.count))] - unsynced.lowerBound
                    }
                })
            let reopened: WriteAheadLog
            do {
                reopened = try WriteAheadLog(directory: "/wal", config: config, fileSystem: fs)
            } catch {
                Issue.record("seed \(seed) round \(round): recovery refused: \(error)")
                return
            }
            let sequences = try reopened.readAll().map(\.sequence)
            #expect(sequences == (0..<sequences.count).map { UInt64($0) + 1 }, "seed \(seed) round \(round)")
            #expect(UInt64(sequences.count) >= synced, "seed \(seed) round \(round): lost synced records")
        }
    }
}
