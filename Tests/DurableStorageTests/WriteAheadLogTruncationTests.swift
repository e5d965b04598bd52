import DurableStorage
import Glibc
import Testing

/// `truncateSuffix` (Raft: drop conflicting tail entries) and `truncatePrefix` (release
/// segments covered by a snapshot): effects in memory, on disk, after reopen and after a crash.
@Suite struct WriteAheadLogTruncationTests {
    @Test func truncateSuffixInsideLastSegmentThenReopen() throws {
        try withTemporaryDirectory { directory in
            let log = try WriteAheadLog(directory: directory)
            try log.append(records(1...20))
            try log.sync()
            try log.truncateSuffix(after: 12)
            #expect(log.lastSequence == 12)
            #expect(try log.readAll() == records(1...12))
            // The leader's entries replace the dropped ones.
            let replacement = records(13...15, size: 40, type: 9)
            try log.append(replacement)
            try log.sync()
            try log.close()
            let reopened = try WriteAheadLog(directory: directory)
            #expect(reopened.recoveryReport.bytesTruncated == 0)
            #expect(try reopened.readAll() == records(1...12) + replacement)
        }
    }

    @Test func truncateSuffixAcrossSegmentsRemovesLaterFiles() throws {
        try withTemporaryDirectory { directory in
            let log = try WriteAheadLog(directory: directory, config: smallSegments)
            try log.append(records(1...100, size: 300))
            try log.sync()
            let before = log.segmentNames
            try log.truncateSuffix(after: 30)  // segments of 12: keeps 1-12, 13-24, 25-30
            #expect(log.segmentNames == Array(before.prefix(3)))
            #expect(try Disk.segments(directory) == Array(before.prefix(3)))
            #expect(try log.readAll() == records(1...30, size: 300))
            try log.append(records(31...60, size: 10, type: 2))
            try log.sync()
            try log.close()
            let reopened = try WriteAheadLog(directory: directory, config: smallSegments)
            #expect(
                try reopened.readAll() == records(1...30, size: 300)
                    + records(31...60, size: 10, type: 2))
        }
    }

    @Test func truncateSuffixAtSegmentBoundary() throws {
        try withTemporaryDirectory { directory in
            let log = try WriteAheadLog(directory: directory, config: smallSegments)
            try log.append(records(1...30, size: 300))
            try log.truncateSuffix(after: 12)  // exactly the end of the first segment
            #expect(log.segmentNames == ["0000000000000001.wal"])
            try log.append(records(13...14, size: 300))  // first segment is full: new segment
            try log.sync()
            #expect(log.segmentNames == ["0000000000000001.wal", "000000000000000d.wal"])
            try log.close()
            #expect(
                try WriteAheadLog(directory: directory, config: smallSegments).readAll()
                    == records(1...14, size: 300))
        }
    }

    @Test func truncateSuffixBeforeEverythingEmptiesTheLog() throws {
        try withTemporaryDirectory { directory in
            let log = try WriteAheadLog(directory: directory, config: smallSegments)
            try log.append(records(5...50, size: 300))
            try log.sync()
            try log.truncateSuffix(after: 4)
            #expect(log.lastSequence == nil)
            #expect(log.segmentNames.isEmpty)
            #expect(try Disk.segments(directory).isEmpty)
            try log.append(records(3...4))
            try log.sync()
            try log.close()
            let reopened = try WriteAheadLog(directory: directory, config: smallSegments)
            #expect(try reopened.readAll() == records(3...4))
        }
    }

    @Test func truncateSuffixIsDurableWithoutSync() throws {
        try withTemporaryDirectory { directory in
            let fileSystem = CrashSimulatingFileSystem()
            let log = try WriteAheadLog(
                directory: directory, config: smallSegments, fileSystem: fileSystem)
            try log.append(records(1...50, size: 300))
            try log.sync()
            try log.truncateSuffix(after: 20)
            try fileSystem.crash()
            #expect(
                try WriteAheadLog(directory: directory, config: smallSegments).readAll()
                    == records(1...20, size: 300))
        }
    }

    @Test func truncateSuffixAfterLastIsANoOp() throws {
        try withTemporaryDirectory { directory in
            let log = try WriteAheadLog(directory: directory)
            try log.truncateSuffix(after: 10)  // empty log
            try log.append(records(1...5))
            try log.truncateSuffix(after: 5)
            try log.truncateSuffix(after: 99)
            #expect(try log.readAll() == records(1...5))
        }
    }

    @Test func truncatePrefixReleasesWholeOldSegments() throws {
        try withTemporaryDirectory { directory in
            let log = try WriteAheadLog(directory: directory, config: smallSegments)
            try log.append(records(1...100, size: 300))
            try log.sync()
            let before = log.segmentNames  // 1, 13, 25, 37, ...
            // Snapshot covers up to 40: segments ending at 12, 24 and 36 go; 37-48 stays.
            let removed = try log.truncatePrefix(before: 41)
            #expect(removed == Array(before.prefix(3)))
            #expect(log.segmentNames == Array(before.dropFirst(3)))
            #expect(try Disk.segments(directory) == Array(before.dropFirst(3)))
            #expect(log.firstSequence == 37)
            #expect(try log.readAll() == records(37...100, size: 300))
            try log.close()
            // Ordinals no longer start at 0, which recovery accepts.
            let reopened = try WriteAheadLog(directory: directory, config: smallSegments)
            #expect(try reopened.readAll() == records(37...100, size: 300))
            try reopened.append(records(101...130, size: 300))
            try reopened.sync()
            #expect(try reopened.readAll() == records(37...130, size: 300))
        }
    }

    @Test func truncatePrefixNeverRemovesTheLastSegment() throws {
        try withTemporaryDirectory { directory in
            let log = try WriteAheadLog(directory: directory, config: smallSegments)
            try log.append(records(1...30, size: 300))
            try log.sync()
            try log.truncatePrefix(before: 1000)
            #expect(log.segmentNames == ["0000000000000019.wal"])
            #expect(try log.readAll() == records(25...30, size: 300))
            #expect(try log.truncatePrefix(before: 1) == [])
        }
    }

    /// Opens the log after a crash, naming the undone removals if recovery refuses.
    static func reopen(_ directory: String, undone: Set<String>) throws -> WriteAheadLog {
        do {
            return try WriteAheadLog(directory: directory, config: smallSegments)
        } catch {
            Issue.record("recovery refused with removals of \(undone.sorted()) undone: \(error)")
            throw error
        }
    }

    /// Every subset of `names`, as predicates for `CrashSimulatingFileSystem.crash`.
    static func subsets(of names: [String]) -> [Set<String>] {
        (0..<(1 << names.count)).map { mask in
            Set(names.indices.filter { mask & (1 << $0) != 0 }.map { names[$0] })
        }
    }

    /// A crash in the middle of `truncatePrefix` (its directory sync fails) may persist any
    /// subset of the removals done so far; recovery must still find a contiguous chain.
    @Test func truncatePrefixCrashBeforeDirectorySyncLeavesAContiguousChain() throws {
        for undone in Self.subsets(of: ["0000000000000001.wal", "000000000000000d.wal", "0000000000000019.wal"]) {
            try withTemporaryDirectory { directory in
                let fileSystem = CrashSimulatingFileSystem()
                let log = try WriteAheadLog(
                    directory: directory, config: smallSegments, fileSystem: fileSystem)
                try log.append(records(1...60, size: 300))  // segments 1, 13, 25, 37, 49
                try log.sync()
                fileSystem.failNextSync(errno: EIO)
                #expect(throws: WALError.self) { try log.truncatePrefix(before: 41) }
                try fileSystem.crash(undoingRemovals: { undone.contains(String($0.split(separator: "/").last!)) })
                let reopened = try Self.reopen(directory, undone: undone)
                let first = try #require(reopened.firstSequence)
                #expect([1, 13, 25, 37].contains(first), "undone: \(undone)")
                #expect(try reopened.readAll() == records(first...60, size: 300), "undone: \(undone)")
            }
        }
    }

    /// The same for `truncateSuffix`: whatever subset of its removals a crash keeps, the log
    /// recovers to a prefix of the old log that holds every kept record.
    @Test func truncateSuffixCrashBeforeDirectorySyncLeavesAContiguousChain() throws {
        for undone in Self.subsets(of: ["0000000000000025.wal", "0000000000000031.wal"]) {
            try withTemporaryDirectory { directory in
                let fileSystem = CrashSimulatingFileSystem()
                let log = try WriteAheadLog(
                    directory: directory, config: smallSegments, fileSystem: fileSystem)
                try log.append(records(1...60, size: 300))  // segments 1, 13, 25, 37, 49
                try log.sync()
                fileSystem.failNextSync(errno: EIO)
                #expect(throws: WALError.self) { try log.truncateSuffix(after: 30) }
                try fileSystem.crash(undoingRemovals: { undone.contains(String($0.split(separator: "/").last!)) })
                let reopened = try Self.reopen(directory, undone: undone)
                let last = try #require(reopened.lastSequence)
                #expect(last >= 30, "undone: \(undone)")
                #expect(try reopened.readAll() == records(1...last, size: 300), "undone: \(undone)")
            }
        }
    }
}
