import DurableStorage
import Foundation
import Synchronization
import Testing

/// `PosixFileSystem.lockFile` (POSIX record locks plus `PosixLockTable`): one holder per file
/// across processes and across threads of this one, a lock free again as soon as its file is
/// closed even while the process forks children, and no refused attempt that drops the holder's
/// lock.
@Suite struct PosixLockTableTests {
    let fileSystem = PosixFileSystem()

    /// The flake this fixes: with `flock`, a child forked (by `Process`) between a log's open and
    /// close held a copy of the lock until its `exec`, so reopening the directory right after
    /// the close could fail with `locked` (72 of 20,000 close/reopen cycles in a measurement).
    @Test func aClosedLockIsFreeWhileTheProcessSpawnsChildren() throws {
        try withTemporaryDirectory { directory in
            try fileSystem.createDirectory(directory)
            let stop = Atomic<Bool>(false)
            let spawned = Atomic<Int>(0)
            let spawner = Thread {
                while !stop.load(ordering: .relaxed) {
                    let child = Process()
                    child.executableURL = URL(fileURLWithPath: "/bin/true")
                    guard (try? child.run()) != nil else { continue }
                    child.waitUntilExit()
                    spawned.add(1, ordering: .relaxed)
                }
            }
            spawner.start()
            defer { stop.store(true, ordering: .relaxed) }
            var cycles = 0
            // At least 20,000 cycles and 20 children, at most 30 s.
            let deadline = ContinuousClock.now + .seconds(30)
            while cycles < 20_000 || spawned.load(ordering: .relaxed) < 20, ContinuousClock.now < deadline {
                let lock = try fileSystem.lockFile(directory + "/LOCK")
                try fileSystem.close(lock)
                cycles += 1
            }
            #expect(spawned.load(ordering: .relaxed) >= 20)
        }
    }

    @Test func aSecondHolderInThisProcessIsRefusedUnderAnySpelling() throws {
        try withTemporaryDirectory { directory in
            try fileSystem.createDirectory(directory)
            let lock = try fileSystem.lockFile(directory + "/LOCK")
            for spelling in [directory + "/LOCK", directory + "//LOCK", directory + "/./LOCK"] {
                #expect(throws: WALError.locked(path: spelling)) { try fileSystem.lockFile(spelling) }
            }
            try fileSystem.close(lock)
            try fileSystem.close(try fileSystem.lockFile(directory + "/./LOCK"))
        }
    }

    /// Another process sees the lock while it is held, also after this process was refused
    /// it (a refused attempt must not open and close the file: that would drop the lock), and
    /// can take it once it is closed.
    @Test func anotherProcessSeesTheLockUntilItIsClosed() throws {
        try withTemporaryDirectory { directory in
            try fileSystem.createDirectory(directory)
            let path = directory + "/LOCK"
            let lock = try fileSystem.lockFile(path)
            #expect(try Self.childTriesLock(path) == "refused")
            #expect(throws: WALError.locked(path: path)) { try fileSystem.lockFile(path) }
            #expect(try Self.childTriesLock(path) == "refused")
            try fileSystem.close(lock)
            #expect(try Self.childTriesLock(path) == "locked")
        }
    }

    @Test func aLockHeldByAnotherProcessIsRefused() throws {
        try withTemporaryDirectory { directory in
            try fileSystem.createDirectory(directory)
            let path = directory + "/LOCK"
            let holder = try Self.startHolder(path)
            #expect(throws: WALError.locked(path: path)) { try fileSystem.lockFile(path) }
            try holder.release()
            try fileSystem.close(try fileSystem.lockFile(path))
        }
    }

    @Test func aMissingDirectoryIsAnIOError() {
        #expect {
            try fileSystem.lockFile("/nonexistent-\(UUID())/LOCK")
        } throws: { error in
            guard case WALError.io(let operation, _, let code, _) = error else { return false }
            return operation == "realpath" && code == ENOENT
        }
    }

    /// Python's `fcntl.lockf` takes the same kind of lock (`fcntl(F_SETLK)`); the child prints
    /// "locked" or "refused" and, with `hold`, keeps the lock until its stdin closes.
    static let childScript = """
        import fcntl, sys
        f = open(sys.argv[1], 'a')
        try:
            fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            print('locked', flush=True)
        except OSError:
            print('refused', flush=True)
        if sys.argv[2] == 'hold':
            sys.stdin.read()
        """

    struct Holder {
        let process: Process
        let input: Pipe

        func release() throws {
            try input.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }

    static func startHolder(_ path: String) throws -> Holder {
        let (process, input, answer) = try startChild(path, mode: "hold")
        #expect(answer == "locked")
        return Holder(process: process, input: input)
    }

    static func childTriesLock(_ path: String) throws -> String {
        let (process, input, answer) = try startChild(path, mode: "try")
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        return answer
    }

    /// Starts the child and reads its one-line answer; a child silent for 20 s is killed (its
    /// answer is then empty).
    static func startChild(_ path: String, mode: String) throws -> (Process, Pipe, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", childScript, path, mode]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 20, execute: watchdog)
        defer { watchdog.cancel() }
        var line: [UInt8] = []
        while true {
            let byte = try output.fileHandleForReading.read(upToCount: 1) ?? Data()
            guard let first = byte.first, first != UInt8(ascii: "\n") else { break }
            line.append(first)
        }
        return (process, input, String(decoding: line, as: UTF8.self))
    }
}
