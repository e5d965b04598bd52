import DurableStorage
import Testing

/// Basic write-ahead-log behaviour on the real file system: records round-trip through
/// several segments and a reopen, sync counts batches, limits are enforced.
@Suite struct WriteAheadLogTests {
    @Test func roundTripAcrossSegmentsAndReopen() throws {
        try withTemporaryDirectory { directory in
            let written = records(1...300, size: 150)
            do {
                let log = try WriteAheadLog(directory: directory, config: smallSegments)
                #expect(log.recoveryReport == WriteAheadLog.RecoveryReport())
                for batch in stride(from: 0, to: written.count, by: 7) {
                    try log.append(Array(written[batch..<min(batch + 7, written.count)]))
                    try log.sync()
                }
                #expect(try log.readAll() == written)
                #expect(log.firstSequence == 1)
                #expect(log.lastSequence == 300)
                #expect(log.segmentNames.count > 5)
                #expect(log.segmentNames.first == "0000000000000001.wal")
                try log.close()
            }
            // Every segment respects the size limit.
            for name in try Disk.segments(directory) {
                #expect(try Disk.size(directory + "/" + name) <= 4096)
            }
            let reopened = try WriteAheadLog(directory: directory, config: smallSegments)
            #expect(reopened.recoveryReport.recordCount == 300)
            #expect(reopened.recoveryReport.bytesTruncated == 0)
            #expect(try reopened.readAll() == written)
            // Appending after reopen continues the same chain.
            try reopened.append(records(301...310))
            try reopened.sync()
            try reopened.close()
            let again = try WriteAheadLog(directory: directory, config: smallSegments)
            #expect(try again.readAll() == records(1...300, size: 150) + records(301...310))
        }
    }

    @Test func segmentNamesAreFirstSequences() throws {
        try withTemporaryDirectory { directory in
            let log = try WriteAheadLog(directory: directory, config: smallSegments)
            try log.append(records(10...40, size: 500))
            try log.sync()
            let names = log.segmentNames
            #expect(try Disk.segments(directory) == names)
            // Each name is 16 hex digits of a sequence present in the log, ascending.
            let all = try log.readAll().map(\.sequence)
            for name in names {
                let sequence = UInt64(name.prefix(16), radix: 16)!
                #expect(all.contains(sequence))
            }
            #expect(names == names.sorted())
        }
    }

    @Test func emptyPayloadsAndAllTypeTags() throws {
        try withTemporaryDirectory { directory in
            let log = try WriteAheadLog(directory: directory, config: smallSegments)
            var written: [WriteAheadLog.Record] = []
            for tag in 0...255 {
                let body: [UInt8] = tag % 2 == 0 ? [] : [UInt8(tag)]
                written.append(
                    WriteAheadLog.Record(
                        type: UInt8(tag), sequence: UInt64(tag) * 3 + 5, payload: body))
            }
            try log.append(written)
            try log.sync()
            try log.close()
            #expect(
                try WriteAheadLog(directory: directory, config: smallSegments).readAll() == written)
        }
    }

    @Test func syncCountsOneDataSyncPerBatch() throws {
        try withTemporaryDirectory { directory in
            let config = WriteAheadLog.Config(segmentSizeBytes: 1 << 20, maxRecordBytes: 1024)
            let log = try WriteAheadLog(directory: directory, config: config)
            try log.append(records(1...1))
            try log.sync()
            let afterFirst = log.statistics  // includes the first segment's creation
            #expect(afterFirst.segmentsCreated == 1)
            for batch in 0..<10 {
                let start = UInt64(2 + batch * 64)
                try log.append(records(start...(start + 63)))
                try log.sync()
            }
            let stats = log.statistics
            #expect(stats.syncCalls == 11)
            #expect(stats.dataSyncs - afterFirst.dataSyncs == 10)
            #expect(stats.recordsAppended == 641)
            // A sync with nothing new to sync issues no fdatasync.
            try log.sync()
            #expect(log.statistics.dataSyncs == stats.dataSyncs)
            #expect(log.statistics.syncCalls == 12)
        }
    }

    @Test func syncCountMatchesCallsSeenByFileSystem() throws {
        try withTemporaryDirectory { directory in
            let fileSystem = CrashSimulatingFileSystem()
            let log = try WriteAheadLog(
                directory: directory, config: smallSegments, fileSystem: fileSystem)
            try log.append(records(1...200, size: 300))
            try log.sync()
            #expect(log.statistics.dataSyncs == fileSystem.fileSyncCount)
            // init syncs the parent directory once; the rest are segment creations.
            #expect(log.statistics.directorySyncs + 1 == fileSystem.directorySyncCount)
        }
    }

    @Test func oversizedRecordIsRejectedAndLogStaysUsable() throws {
        try withTemporaryDirectory { directory in
            let log = try WriteAheadLog(directory: directory, config: smallSegments)
            try log.append(records(1...3))
            let tooBig = WriteAheadLog.Record(
                type: 0, sequence: 4, payload: [UInt8](repeating: 1, count: 1025))
            #expect(throws: WALError.recordTooLarge(payloadBytes: 1025, maxRecordBytes: 1024)) {
                try log.append(
                    records(4...5) + [
                        WriteAheadLog.Record(type: 0, sequence: 6, payload: tooBig.payload)
                    ])
            }
            // Nothing of the rejected batch was written.
            #expect(try log.readAll() == records(1...3))
            let exactlyMax = WriteAheadLog.Record(
                type: 0, sequence: 4, payload: [UInt8](repeating: 2, count: 1024))
            try log.append([exactlyMax])
            try log.sync()
            #expect(try log.readAll() == records(1...3) + [exactlyMax])
        }
    }

    @Test(arguments: [
        (0, 1024), (4096, 0), (4096, -1), (1000, 1024), (4096, 4096 - 48),
    ])
    func invalidConfigurationIsRejected(segmentSizeBytes: Int, maxRecordBytes: Int) throws {
        let config = WriteAheadLog.Config(
            segmentSizeBytes: segmentSizeBytes, maxRecordBytes: maxRecordBytes)
        #expect(throws: WALError.self) { try config.validate() }
        try withTemporaryDirectory { directory in
            #expect(throws: WALError.self) {
                try WriteAheadLog(directory: directory, config: config)
            }
        }
    }

    @Test func largestRecordThatFitsIsAccepted() throws {
        // 32-byte segment header + 17 bytes of framing + payload == segment size.
        let config = WriteAheadLog.Config(segmentSizeBytes: 4096, maxRecordBytes: 4096 - 49)
        try config.validate()
        try withTemporaryDirectory { directory in
            let log = try WriteAheadLog(directory: directory, config: config)
            try log.append(records(1...3, size: 4096 - 49))
            try log.sync()
            #expect(log.segmentNames.count == 3)
            #expect(try Disk.size(directory + "/" + log.segmentNames[0]) == 4096)
        }
    }

    @Test func ioErrorOnSyncMakesLogUnusableUntilReopened() throws {
        try withTemporaryDirectory { directory in
            let fileSystem = CrashSimulatingFileSystem()
            let log = try WriteAheadLog(
                directory: directory, config: smallSegments, fileSystem: fileSystem)
            try log.append(records(1...5))
            try log.sync()
            try log.append(records(6...7))
            fileSystem.failNextSync(errno: 5)  // EIO
            let failure = #expect(throws: WALError.self) { try log.sync() }
            guard case .io(let operation, _, 5, _) = failure else {
                Issue.record("unexpected \(String(describing: failure))")
                return
            }
            #expect(operation == "fdatasync")
            // Every later operation refuses, naming the original failure.
            #expect(throws: WALError.unusable(cause: failure!)) { try log.append(records(8...8)) }
            #expect(throws: WALError.unusable(cause: failure!)) { try log.sync() }
            try log.close()
            let reopened = try WriteAheadLog(directory: directory, config: smallSegments)
            #expect(try reopened.readAll().prefix(5) == records(1...5)[...])
        }
    }

    @Test func secondOpenOfTheSameDirectoryIsRefused() throws {
        try withTemporaryDirectory { directory in
            let first = try WriteAheadLog(directory: directory)
            try first.append(records(1...3))
            #expect(throws: WALError.locked(path: directory + "/LOCK")) {
                try WriteAheadLog(directory: directory)
            }
            try first.sync()
            try first.close()
            #expect(try WriteAheadLog(directory: directory).readAll() == records(1...3))
        }
    }

    @Test func failedOpenReleasesTheLock() throws {
        try withTemporaryDirectory { directory in
            let log = try WriteAheadLog(directory: directory)
            try log.append(records(1...20))
            try log.sync()
            try log.close()
            try Disk.flipByte(directory + "/0000000000000001.wal", at: 32 + 5 * 117 + 50)
            for _ in 0..<2 {
                let failure = #expect(throws: WALError.self) {
                    try WriteAheadLog(directory: directory)
                }
                guard case .corruptRecord? = failure else {
                    Issue.record("expected corruptRecord, got \(String(describing: failure))")
                    return
                }
            }
        }
    }

    /// Sequence numbers going backwards is a programmer error: the process traps (checked in a
    /// child process with an exit test).
    @Test func backwardsSequenceTraps() async throws {
        let root = try makeTemporaryRoot()
        defer { removeTree(root) }
        await #expect(processExitsWith: .failure) { [root = root as String] in
            let log = try WriteAheadLog(directory: root + "/wal")
            try log.append(records(5...6))
            try log.append(records(6...6))
        }
    }

    @Test func errorsDescribeThemselves() {
        let error = WALError.corruptRecord(
            segment: "0000000000000001.wal", offset: 77, reason: "checksum mismatch")
        #expect(
            error.description
                == "corrupt record in segment 0000000000000001.wal at offset 77: checksum mismatch")
        let io = WALError.io(
            operation: "open", path: "/x", errno: 2, message: "No such file or directory")
        #expect(io.description.contains("errno 2"))
    }

    @Test func openErrorsCarryPathAndErrno() throws {
        let failure = #expect(throws: WALError.self) {
            try WriteAheadLog(directory: "/proc/definitely/not/here")
        }
        guard case .io(_, let path, let code, let message)? = failure else {
            Issue.record("unexpected \(String(describing: failure))")
            return
        }
        #expect(path.hasPrefix("/proc/definitely"))
        #expect(code != 0)
        #expect(!message.isEmpty)
    }
}
