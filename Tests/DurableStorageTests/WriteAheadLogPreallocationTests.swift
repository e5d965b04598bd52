import DurableStorage
import Foundation
import Testing

/// Preallocated segments (`Config.preallocatesSegments`): a segment file is allocated ahead of
/// its records in steps, records are written into its zeros, a sealed segment is cut to its
/// records' end, and
/// recovery reads the zeros after the last record of the last segment as free space while still
/// refusing the damage the torn-write rules refuse. Logs of the older, growing layout still open.
@Suite struct WriteAheadLogPreallocationTests {
    /// 64 KiB segments: a few hundred records of 300 bytes span several. Each is allocated whole
    /// at once (the default step is larger).
    static let config = WriteAheadLog.Config(segmentSizeBytes: 64 << 10, maxRecordBytes: 4096)
    /// The same limits in the layout older versions wrote: segments grow with each append.
    static let growingConfig = WriteAheadLog.Config(
        segmentSizeBytes: 64 << 10, maxRecordBytes: 4096, preallocatesSegments: false)
    /// Bytes of one record with a 300-byte payload.
    static let recordBytes = Int64(recordFramingBytes + 300)
    /// Offset of the flags field in a segment header.
    static let headerFlagsOffset = 24

    private func segmentPaths(_ directory: String) throws -> [String] {
        try Disk.segments(directory).map { directory + "/" + $0 }
    }

    /// Offset just past record `count` of a segment written in one unsynced-then-synced batch
    /// (no sync marker inside it).
    private func endOfRecords(_ count: Int) -> Int64 {
        segmentHeaderBytes + Int64(count) * Self.recordBytes
    }

    /// Reopens the log in `directory` expecting `WALError.corruptRecord`; its offset and reason,
    /// or nil (with the issue recorded) if the log opened or failed otherwise.
    private func corruptRecordOnReopen(_ directory: String) -> (offset: Int64, reason: String)? {
        let failure = #expect(throws: WALError.self) {
            try WriteAheadLog(directory: directory, config: Self.config)
        }
        guard case .corruptRecord(_, let offset, let reason)? = failure else {
            Issue.record("expected corruptRecord, got \(String(describing: failure))")
            return nil
        }
        return (offset, reason)
    }

    @Test func newSegmentsArePreallocatedAndSealedOnesCutToTheirRecords() throws {
        try withTemporaryDirectory { directory in
            let log = try WriteAheadLog(directory: directory, config: Self.config)
            try log.append(records(1...600, size: 300))
            try log.sync()
            try log.close()
            let paths = try segmentPaths(directory)
            #expect(paths.count >= 3)
            for path in paths.dropLast() {
                let size = try Disk.size(path)
                #expect(size < Int64(Self.config.segmentSizeBytes))
                #expect((size - segmentHeaderBytes) % Self.recordBytes == 0)  // records only
            }
            #expect(try Disk.size(paths.last!) == Int64(Self.config.segmentSizeBytes))
            let flags = try Disk.bytes(paths.last!)[Self.headerFlagsOffset]
            #expect(flags == 3)  // sync markers | preallocated
            let reopened = try WriteAheadLog(directory: directory, config: Self.config)
            #expect(try reopened.readAll() == records(1...600, size: 300))
        }
    }

    @Test func reopenKeepsTheFreeTailAndAppendsContinueInIt() throws {
        try withTemporaryDirectory { directory in
            let log = try WriteAheadLog(directory: directory, config: Self.config)
            try log.append(records(1...10, size: 300))
            try log.sync()
            try log.close()
            let path = try segmentPaths(directory)[0]
            #expect(try Disk.bytes(path)[Int(endOfRecords(10))...].allSatisfy { $0 == 0 })
            let reopened = try WriteAheadLog(directory: directory, config: Self.config)
            #expect(reopened.recoveryReport.bytesTruncated == 0)
            #expect(reopened.recoveryReport.truncatedSegment == nil)
            #expect(reopened.recoveryReport.recordCount == 10)
            #expect(try Disk.size(path) == Int64(Self.config.segmentSizeBytes))
            try reopened.append(records(11...20, size: 300))
            try reopened.sync()
            try reopened.close()
            #expect(try Disk.size(path) == Int64(Self.config.segmentSizeBytes))
            let again = try WriteAheadLog(directory: directory, config: Self.config)
            #expect(try again.readAll() == records(1...20, size: 300))
        }
    }

    /// The file grows in steps ahead of the records, one allocation per step, never past the
    /// segment size; a sealed segment is cut to its records.
    @Test func theFileIsAllocatedInStepsAheadOfTheRecords() throws {
        try withTemporaryDirectory { directory in
            let config = WriteAheadLog.Config(
                segmentSizeBytes: 64 << 10, maxRecordBytes: 4096, preallocationStepBytes: 24 << 10)
            let log = try WriteAheadLog(directory: directory, config: config)
            try log.append(records(1...1, size: 300))
            try log.sync()
            let path = try segmentPaths(directory)[0]
            #expect(try Disk.size(path) == 24 << 10)
            try log.append(records(2...100, size: 300))  // 31.7 KB of records: the second step
            try log.sync()
            #expect(try Disk.size(path) == 48 << 10)
            try log.append(records(101...250, size: 300))  // the third step stops at 64 KiB; rolls over
            try log.sync()
            #expect(log.statistics.allocations == 4)  // three in the first segment, one in the second
            // Sealed: 206 records of 317 bytes and the sync markers (25 bytes) of two batches.
            #expect(try Disk.size(path) == segmentHeaderBytes + 2 * 25 + 206 * Self.recordBytes)
            #expect(try Disk.size(try segmentPaths(directory)[1]) == 24 << 10)
            try log.close()
            #expect(try WriteAheadLog(directory: directory, config: config).readAll() == records(1...250, size: 300))
        }
    }

    /// A log written in the older layout (no preallocation flag, files end at their records)
    /// opens, keeps growing its last segment, and rolls over into preallocated segments.
    @Test func aGrowingLayoutLogOpensAndContinues() throws {
        try withTemporaryDirectory { directory in
            let old = try WriteAheadLog(directory: directory, config: Self.growingConfig)
            try old.append(records(1...250, size: 300))
            try old.sync()
            try old.close()
            let oldPaths = try segmentPaths(directory)
            #expect(oldPaths.count >= 2)
            for path in oldPaths {
                #expect(try Disk.bytes(path)[Self.headerFlagsOffset] == 1)  // sync markers only
            }
            let lastOldSize = try Disk.size(oldPaths.last!)
            let log = try WriteAheadLog(directory: directory, config: Self.config)
            #expect(log.recoveryReport.bytesTruncated == 0)
            #expect(try log.readAll() == records(1...250, size: 300))
            #expect(try Disk.size(oldPaths.last!) == lastOldSize)  // not preallocated afterwards
            try log.append(records(251...600, size: 300))
            try log.sync()
            try log.close()
            let paths = try segmentPaths(directory)
            #expect(try Disk.size(paths.last!) == Int64(Self.config.segmentSizeBytes))
            #expect(try Disk.bytes(paths.last!)[Self.headerFlagsOffset] == 3)
            #expect(try WriteAheadLog(directory: directory).readAll() == records(1...600, size: 300))
        }
    }

    /// Stray bytes in the free tail with nothing valid after them: damage a torn write explains
    /// (nothing there was acknowledged), so the tail is cut at the end of the records and the
    /// free space comes back as zeros.
    @Test(arguments: [Int64(0), 1, 4, 100, 5000, 40_000])
    func strayBytesInTheFreeTailAreCut(distanceAfterRecords: Int64) throws {
        try withTemporaryDirectory { directory in
            let log = try WriteAheadLog(directory: directory, config: Self.config)
            try log.append(records(1...10, size: 300))
            try log.sync()
            try log.close()
            let path = try segmentPaths(directory)[0]
            try Disk.flipByte(path, at: endOfRecords(10) + distanceAfterRecords)
            let reopened = try WriteAheadLog(directory: directory, config: Self.config)
            #expect(reopened.recoveryReport.truncatedAtOffset == endOfRecords(10))
            #expect(try reopened.readAll() == records(1...10, size: 300))
            #expect(try Disk.size(path) == endOfRecords(10))
            // The next append (a sync marker, then the record) allocates free space again: zeros
            // after the records.
            try reopened.append(records(11...11, size: 300))
            try reopened.sync()
            #expect(try Disk.size(path) == Int64(Self.config.segmentSizeBytes))
            #expect(try Disk.bytes(path)[Int(endOfRecords(11) + 25)...].allSatisfy { $0 == 0 })
        }
    }

    /// A checksum-failing record followed by valid ones is corruption in a preallocated segment
    /// too: refused, and the file left as it was.
    @Test func corruptRecordFollowedByValidOnesIsRefused() throws {
        try withTemporaryDirectory { directory in
            let log = try WriteAheadLog(directory: directory, config: Self.config)
            try log.append(records(1...10, size: 300))
            try log.sync()
            try log.close()
            let path = try segmentPaths(directory)[0]
            let damaged = endOfRecords(4) + 100
            try Disk.flipByte(path, at: damaged)
            let before = try Disk.bytes(path)
            guard let (offset, reason) = corruptRecordOnReopen(directory) else { return }
            #expect(offset == endOfRecords(4))
            #expect(reason.contains("followed by valid records"))
            #expect(try Disk.bytes(path) == before)
        }
    }

    /// A zeroed page inside bytes a later sync marker says were synced: refused, as in the
    /// growing layout, though the file goes on with zeros.
    @Test func lostPageInSyncedBytesIsRefused() throws {
        try withTemporaryDirectory { directory in
            let log = try WriteAheadLog(directory: directory, config: Self.config)
            for batch in 0..<3 as Range<UInt64> {
                try log.append(records((batch * 20 + 1)...(batch * 20 + 20), size: 300))
                try log.sync()
            }
            try log.close()
            let path = try segmentPaths(directory)[0]
            let file = try Disk.fileSystem.open(path, mode: .readWrite)
            try Disk.fileSystem.write(file, [UInt8](repeating: 0, count: 4096), at: 4096)
            try Disk.fileSystem.close(file)
            guard let (_, reason) = corruptRecordOnReopen(directory) else { return }
            #expect(reason.contains("sync marker"))
        }
    }

    /// Sealing cuts a segment before its successor exists, so zeros after the records of a
    /// non-last segment are damage, not free space.
    @Test func zerosAfterTheRecordsOfASealedSegmentAreRefused() throws {
        try withTemporaryDirectory { directory in
            let log = try WriteAheadLog(directory: directory, config: Self.config)
            try log.append(records(1...600, size: 300))
            try log.sync()
            try log.close()
            let first = try segmentPaths(directory)[0]
            let size = try Disk.size(first)
            try Disk.append(first, [UInt8](repeating: 0, count: 4096))
            guard let (offset, reason) = corruptRecordOnReopen(directory) else { return }
            #expect(offset == size)
            #expect(reason.contains("sealed"))
        }
    }

    /// `truncateSuffix` in a preallocated segment: the cut records never come back, neither
    /// through a reopen nor after fewer records are appended over them, and the free space is
    /// restored.
    @Test func truncatedRecordsDoNotReappearFromTheFreeTail() throws {
        try withTemporaryDirectory { directory in
            let log = try WriteAheadLog(directory: directory, config: Self.config)
            try log.append(records(1...40, size: 300))
            try log.sync()
            try log.truncateSuffix(after: 10)
            let path = try segmentPaths(directory)[0]
            #expect(try Disk.size(path) == endOfRecords(10))
            try log.append(records(11...12, size: 100))
            try log.sync()
            try log.close()
            #expect(try Disk.size(path) == Int64(Self.config.segmentSizeBytes))
            let reopened = try WriteAheadLog(directory: directory, config: Self.config)
            #expect(try reopened.readAll() == records(1...10, size: 300) + records(11...12, size: 100))
            #expect(reopened.recoveryReport.bytesTruncated == 0)
        }
    }

    /// A full disk when a segment is allocated fails like a full disk on a write: a typed
    /// error naming `posix_fallocate` and `ENOSPC`, the log refuses further work, and a reopen
    /// once space is freed keeps every synced record and continues.
    @Test func enospcOnAllocationIsTypedAndPoisonsTheLog() throws {
        try withTemporaryDirectory { directory in
            let fileSystem = CrashSimulatingFileSystem()
            let log = try WriteAheadLog(directory: directory, config: Self.config, fileSystem: fileSystem)
            try log.append(records(1...100, size: 300))
            try log.sync()
            // Room for the records that fill the first segment (about 32 KB), not for a second one.
            fileSystem.failWrites(errno: ENOSPC, afterBytes: 40_000)
            let failure = #expect(throws: WALError.self) { try log.append(records(101...400, size: 300)) }
            guard case .io("posix_fallocate", _, ENOSPC, _)? = failure else {
                Issue.record("expected posix_fallocate ENOSPC, got \(String(describing: failure))")
                return
            }
            #expect(throws: WALError.unusable(cause: failure!)) { try log.sync() }
            try log.close()
            fileSystem.clearFaults()
            try fileSystem.crash()
            let reopened = try WriteAheadLog(directory: directory, config: Self.config)
            let recovered = try reopened.readAll()
            #expect(recovered.count >= 100)
            #expect(recovered == Array(records(1...400, size: 300).prefix(recovered.count)))
            let next = reopened.lastSequence! + 1
            try reopened.append(records(next...(next + 300), size: 300))
            try reopened.sync()
        }
    }

    /// `ENOSPC` creating the very first segment: nothing was appended, nothing is lost, and the
    /// next open starts clean.
    @Test func enospcOnTheFirstSegmentLeavesAnEmptyLog() throws {
        try withTemporaryDirectory { directory in
            let fileSystem = CrashSimulatingFileSystem()
            let log = try WriteAheadLog(directory: directory, config: Self.config, fileSystem: fileSystem)
            fileSystem.failWrites(errno: ENOSPC)
            let failure = #expect(throws: WALError.self) { try log.append(records(1...1)) }
            guard case .io("posix_fallocate", _, ENOSPC, _)? = failure else {
                Issue.record("expected posix_fallocate ENOSPC, got \(String(describing: failure))")
                return
            }
            try log.close()
            fileSystem.clearFaults()
            let reopened = try WriteAheadLog(directory: directory, config: Self.config, fileSystem: fileSystem)
            #expect(try reopened.readAll().isEmpty)
            try reopened.append(records(1...3))
            try reopened.sync()
            #expect(try reopened.readAll() == records(1...3))
        }
    }

    /// A power cut at every mutating operation of a run that writes, syncs, allocates steps,
    /// rolls segments (sealing cuts, allocating new ones) and truncates a suffix, with the unsynced pages
    /// lost, kept or torn at random: recovery always succeeds, holds every record synced
    /// before the cut, and is a prefix of what was appended.
    @Test func recoveryAtEveryCutPoint() throws {
        let seed = UInt64.random(in: 1...UInt64.max)
        print("WriteAheadLogPreallocationTests.recoveryAtEveryCutPoint seed: \(seed)")
        var random = SeededGenerator(seed: seed)
        let config = WriteAheadLog.Config(
            segmentSizeBytes: 16 << 10, maxRecordBytes: 4096, preallocationStepBytes: 6 << 10)
        var cutPoint = 0
        while true {
            let fileSystem = CrashSimulatingFileSystem(base: InMemoryFileSystem())
            var model: [WriteAheadLog.Record] = []
            var synced = 0
            var finished = false
            do {
                fileSystem.cutPower(afterOperations: cutPoint)
                let log = try WriteAheadLog(directory: "/wal", config: config, fileSystem: fileSystem)
                for batch in 0..<12 as Range<UInt64> {
                    let batchRecords = records((batch * 10 + 1)...(batch * 10 + 10), size: 250)
                    try log.append(batchRecords)
                    model += batchRecords
                    if batch % 3 != 2 {
                        try log.sync()
                        synced = model.count
                    }
                    if batch == 7 {
                        // Once the truncation starts, the records after 75 may go at any cut.
                        synced = min(synced, 75)
                        try log.truncateSuffix(after: 75)
                        model.removeAll { $0.sequence > 75 }
                        model += records(76...76, size: 10)
                        try log.append(Array(model.suffix(1)))
                    }
                }
                try log.sync()
                synced = model.count
                finished = true
            } catch {
                #expect(fileSystem.hasLostPower, "seed \(seed) cut \(cutPoint): \(error)")
            }
            try fileSystem.crash(
                undoingRemovals: { _ in random.next() % 2 == 0 },
                keepingUnsyncedBytes: { _, unsynced in
                    switch random.next() % 3 {
                    case 0: return unsynced.count
                    case 1: return 0
                    default: return Int(random.next() % UInt64(unsynced.count + 1)) / 512 * 512
                    }
                })
            fileSystem.clearFaults()
            let recovered: [WriteAheadLog.Record]
            do {
                recovered = try WriteAheadLog(directory: "/wal", config: config, fileSystem: fileSystem).readAll()
            } catch {
                Issue.record("seed \(seed) cut \(cutPoint): recovery refused: \(error)")
                return
            }
            #expect(recovered.count >= synced, "seed \(seed) cut \(cutPoint): lost synced records")
            #expect(recovered == Array(model.prefix(recovered.count)), "seed \(seed) cut \(cutPoint)")
            if finished { break }
            cutPoint += 1
        }
        #expect(cutPoint > 20)  // the sweep visited the run's operations
    }
}
