import DurableStorage
import Glibc
import Testing

/// `InMemoryFileSystem`: POSIX-like files, directories, handles and locks, in memory.
@Suite struct InMemoryFileSystemTests {
    private func errno(of body: () throws -> Void) -> Int32? {
        do {
            try body()
            return nil
        } catch let WALError.io(_, _, code, _) {
            return code
        } catch {
            return -1
        }
    }

    @Test func writesReadsTruncatesAndListsFiles() throws {
        let fs = InMemoryFileSystem()
        try fs.createDirectory("/d")
        try fs.createDirectory("/d")  // existing: fine, like mkdir -p one level
        let file = try fs.open("/d/a", mode: .createExclusive)
        try fs.write(file, [1, 2, 3], at: 0)
        try fs.write(file, [9], at: 5)  // a hole reads as zeros
        #expect(try fs.read(file, count: 10, at: 0) == [1, 2, 3, 0, 0, 9])
        try fs.truncate(file, to: 2)
        #expect(try fs.size(file) == 2)
        try fs.close(file)
        try fs.createDirectory("/d/sub")
        #expect(try fs.listDirectory("/d") == ["a", "sub"])
        #expect(try fs.listDirectory("/") == ["d"])
        #expect(try fs.readWholeFile("/d/a") == [1, 2])
        #expect(fs.totalBytes == 2)
    }

    @Test func reportsMissingAndExistingPathsLikePOSIX() throws {
        let fs = InMemoryFileSystem()
        #expect(errno { _ = try fs.open("/missing", mode: .readOnly) } == ENOENT)
        #expect(errno { _ = try fs.open("/no/such", mode: .createIfMissing) } == ENOENT)
        #expect(errno { try fs.createDirectory("/no/such") } == ENOENT)
        let file = try fs.open("/f", mode: .createExclusive)
        try fs.close(file)
        #expect(errno { _ = try fs.open("/f", mode: .createExclusive) } == EEXIST)
        #expect(errno { try fs.close(file) } == EBADF)
        #expect(errno { try fs.remove("/missing") } == ENOENT)
        try fs.createDirectory("/d")
        #expect(errno { try fs.remove("/d") } == EISDIR)
        try fs.rename("/f", to: "/d/f")
        #expect(errno { try fs.removeDirectory("/d") } == ENOTEMPTY)
        try fs.remove("/d/f")
        try fs.removeDirectory("/d")
        #expect(try fs.listDirectory("/").isEmpty)
    }

    @Test func anOpenHandleKeepsItsFileAcrossRenameAndRemoval() throws {
        let fs = InMemoryFileSystem()
        let file = try fs.open("/a", mode: .createExclusive)
        try fs.write(file, [1], at: 0)
        try fs.rename("/a", to: "/b")
        try fs.write(file, [2], at: 1)
        #expect(try fs.readWholeFile("/b") == [1, 2])
        try fs.remove("/b")
        #expect(try fs.read(file, count: 2, at: 0) == [1, 2])
        try fs.close(file)
        #expect(fs.totalBytes == 0)
        let truncating = try fs.open("/c", mode: .createOrTruncate)
        try fs.write(truncating, [7, 7], at: 0)
        try fs.close(truncating)
        try fs.close(try fs.open("/c", mode: .createOrTruncate))
        #expect(try fs.readWholeFile("/c").isEmpty)
    }

    @Test func aLockIsExclusiveUntilItsHandleCloses() throws {
        let fs = InMemoryFileSystem()
        let lock = try fs.lockFile("/LOCK")
        #expect(throws: WALError.locked(path: "/LOCK")) { try fs.lockFile("/LOCK") }
        try fs.close(lock)
        try fs.close(try fs.lockFile("/LOCK"))
    }

    /// The WAL runs on it as on a real disk: append, sync, reopen, read back.
    @Test func aWriteAheadLogRecoversOnIt() throws {
        let fs = InMemoryFileSystem()
        let log = try WriteAheadLog(directory: "/wal", fileSystem: fs)
        try log.append([.init(type: 1, sequence: 1, payload: [1]), .init(type: 1, sequence: 2, payload: [2])])
        try log.sync()
        try log.close()
        let reopened = try WriteAheadLog(directory: "/wal", fileSystem: fs)
        #expect(try reopened.readAll().map(\.sequence) == [1, 2])
        try reopened.close()
    }
}
