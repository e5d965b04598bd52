import DurableStorage
import Foundation
import Testing

/// Device faults under the log (`CrashSimulatingFileSystem`'s injection): a full disk
/// (`ENOSPC`) or a failing device (`EIO`) on `write` and on `fdatasync` is reported as a typed
/// error, the failed batch is never reported durable, the log refuses further work (a failed
/// fsync is never retried: PostgreSQL's "fsyncgate"), and a reopen after the fault is gone
/// (space freed) recovers what is on disk and continues. A power-cut sweep visits every
/// crash point of an append that rolls segments, including "written, not yet synced".
@Suite struct WriteAheadLogFaultTests {
    /// `(errno, bytes of the failing batch that still reach the file)`: nothing, part of the
    /// first record, one record and part of the next (records are 117 bytes on disk).
    static let writeFaults: [(Int32, Int)] = [(ENOSPC, 0), (ENOSPC, 50), (ENOSPC, 150), (EIO, 0), (EIO, 150)]

    @Test(arguments: writeFaults)
    func writeFaultIsTypedAndPoisonsTheLog(code: Int32, afterBytes: Int) throws {
        try withTemporaryDirectory { directory in
            let fileSystem = CrashSimulatingFileSystem()
            let log = try Self.logWithTenSyncedRecords(directory, fileSystem)
            fileSystem.failWrites(errno: code, afterBytes: afterBytes)
            let failure = #expect(throws: WALError.self) { try log.append(records(11...20)) }
            guard case .io("pwrite", _, code, _) = failure else {
                Issue.record("expected pwrite errno \(code), got \(String(describing: failure))")
                return
            }
            // Nothing more is accepted, and no sync can report the batch durable.
            let syncsBefore = fileSystem.fileSyncCount
            #expect(throws: WALError.unusable(cause: failure!)) { try log.sync() }
            #expect(throws: WALError.unusable(cause: failure!)) { try log.append(records(21...21)) }
            #expect(fileSystem.fileSyncCount == syncsBefore)
            try log.close()

            // Space freed, process restarted (no power loss): the short write's bytes are in
            // the page cache; recovery keeps whole records and cuts the partial one.
            fileSystem.clearFaults()
            let reopened = try WriteAheadLog(directory: directory, fileSystem: fileSystem)
            let recovered = try reopened.readAll()
            #expect(recovered.prefix(10) == records(1...10)[...])
            #expect(recovered == Array(records(1...20).prefix(recovered.count)))
            // At most the whole records the short write got out (a sync marker may precede them).
            #expect(recovered.count <= 10 + afterBytes / (recordFramingBytes + 100))
            if afterBytes == 0 { #expect(recovered.count == 10) }
            // And the log continues where the recovered records end.
            let next = reopened.lastSequence! + 1
            try reopened.append(records(next...(next + 4)))
            try reopened.sync()
            try reopened.close()
            #expect(try WriteAheadLog(directory: directory).readAll() == records(1...(next + 4)))
        }
    }

    /// A write fault then a power loss: the unsynced partial batch is gone, exactly the
    /// synced records remain.
    @Test(arguments: writeFaults)
    func writeFaultThenPowerLossKeepsExactlyTheSyncedRecords(code: Int32, afterBytes: Int) throws {
        try withTemporaryDirectory { directory in
            let fileSystem = CrashSimulatingFileSystem()
            let log = try Self.logWithTenSyncedRecords(directory, fileSystem)
            fileSystem.failWrites(errno: code, afterBytes: afterBytes)
            #expect(throws: WALError.self) { try log.append(records(11...20)) }
            try fileSystem.crash()
            #expect(try WriteAheadLog(directory: directory).readAll() == records(1...10))
        }
    }

    /// `fdatasync` failing with EIO or ENOSPC (thin provisioning, NFS): the batch is not
    /// acknowledged, the failed sync is not retried on the same descriptor, and a reopen
    /// on a healthy device keeps the synced records and continues.
    @Test(arguments: [EIO, ENOSPC])
    func syncFaultIsNeverRetried(code: Int32) throws {
        try withTemporaryDirectory { directory in
            let fileSystem = CrashSimulatingFileSystem()
            let log = try Self.logWithTenSyncedRecords(directory, fileSystem)
            try log.append(records(11...20))
            fileSystem.failSyncs(errno: code)
            let failure = #expect(throws: WALError.self) { try log.sync() }
            guard case .io(_, _, code, _) = failure else {
                Issue.record("expected errno \(code), got \(String(describing: failure))")
                return
            }
            // The device is healthy again, but this log never syncs again (fsyncgate).
            fileSystem.clearFaults()
            let syncsBefore = fileSystem.fileSyncCount
            #expect(throws: WALError.unusable(cause: failure!)) { try log.sync() }
            #expect(fileSystem.fileSyncCount == syncsBefore)
            try log.close()
            try fileSystem.crash()
            let reopened = try WriteAheadLog(directory: directory)
            #expect(try reopened.readAll() == records(1...10))
            try reopened.append(records(11...12))
            try reopened.sync()
            #expect(try reopened.readAll() == records(1...12))
        }
    }

    /// A new log on `fileSystem` holding records 1...10, synced.
    static func logWithTenSyncedRecords(_ directory: String, _ fileSystem: CrashSimulatingFileSystem) throws
        -> WriteAheadLog
    {
        let log = try WriteAheadLog(directory: directory, fileSystem: fileSystem)
        try log.append(records(1...10))
        try log.sync()
        return log
    }

    /// Every crash point of an append that rolls over two segments and its sync: after the
    /// power cut at operation `k` and recovery, the log holds every record synced before
    /// the batch and a prefix of the batch (all of it when the sync returned), and accepts
    /// appends again.
    @Test func powerCutAtEveryOperationOfAnAppendAndSync() throws {
        var crashPoints = 0
        for k in 0..<200 {
            let completed = try withTemporaryDirectory { directory -> Bool in
                let fileSystem = CrashSimulatingFileSystem()
                let log = try WriteAheadLog(directory: directory, config: smallSegments, fileSystem: fileSystem)
                try log.append(records(1...5, size: 300))
                try log.sync()
                fileSystem.cutPower(afterOperations: k)
                var synced = false
                do {
                    try log.append(records(6...30, size: 300))
                    try log.sync()
                    synced = true
                } catch {
                    // The power cut at operation k.
                }
                try fileSystem.crash()
                let reopened = try WriteAheadLog(directory: directory, config: smallSegments)
                let recovered = try reopened.readAll()
                #expect(recovered.count >= (synced ? 30 : 5), "crash point \(k)")
                #expect(recovered == Array(records(1...30, size: 300).prefix(recovered.count)), "crash point \(k)")
                let next = (reopened.lastSequence ?? 0) + 1
                try reopened.append(records(next...next, size: 300))
                try reopened.sync()
                return synced
            }
            if completed { break }
            crashPoints += 1
        }
        print("WriteAheadLogFaultTests: swept \(crashPoints) crash points of one append and sync")
        #expect(crashPoints > 5 && crashPoints < 200)
    }
}
