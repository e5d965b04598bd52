import DurableStorage
internal import Glibc
import Synchronization

/// A `CrashSimulatingFileSystem` behind a lock, so a test can pull the plug (`crash()`) while
/// a peer's store is using it from the peer's actor. After the crash every call fails with
/// `EIO`: the dead machine writes nothing more.
final class SharedCrashFileSystem: FileSystem, Sendable {
    private struct State {
        var fileSystem = CrashSimulatingFileSystem()
        var crashed = false
    }

    private let state = Mutex(State())

    /// Drops everything not yet synced (see `CrashSimulatingFileSystem.crash()`).
    func crash() throws {
        try state.withLock { (state: inout sending State) throws -> Void in
            state.crashed = true
            try state.fileSystem.crash()
        }
    }

    /// Injects device faults (`failWrites`, `failSyncs`, `clearFaults`...) while a store uses
    /// the file system from a peer's actor or storage queue.
    func inject(_ body: (CrashSimulatingFileSystem) -> Void) {
        state.withLock { state in body(state.fileSystem) }
    }

    private func run<T: Sendable>(_ body: (CrashSimulatingFileSystem) throws(WALError) -> T) throws(WALError) -> T {
        let result: Result<T, WALError> = state.withLock { state in
            if state.crashed {
                return .failure(.io(operation: "any", path: "", errno: EIO, message: "the machine crashed"))
            }
            do throws(WALError) {
                return .success(try body(state.fileSystem))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    func open(_ path: String, mode: OpenMode) throws(WALError) -> OpenFile { try run { fs throws(WALError) in try fs.open(path, mode: mode) } }
    func close(_ handle: OpenFile) throws(WALError) { try run { fs throws(WALError) in try fs.close(handle) } }
    func write(_ handle: OpenFile, _ bytes: [UInt8], at offset: Int64) throws(WALError) {
        try run { fs throws(WALError) in try fs.write(handle, bytes, at: offset) }
    }
    func read(_ handle: OpenFile, count: Int, at offset: Int64) throws(WALError) -> [UInt8] {
        try run { fs throws(WALError) in try fs.read(handle, count: count, at: offset) }
    }
    func size(_ handle: OpenFile) throws(WALError) -> Int64 { try run { fs throws(WALError) in try fs.size(handle) } }
    func truncate(_ handle: OpenFile, to length: Int64) throws(WALError) {
        try run { fs throws(WALError) in try fs.truncate(handle, to: length) }
    }
    func allocate(_ handle: OpenFile, upTo length: Int64) throws(WALError) {
        try run { fs throws(WALError) in try fs.allocate(handle, upTo: length) }
    }
    func syncData(_ handle: OpenFile) throws(WALError) { try run { fs throws(WALError) in try fs.syncData(handle) } }
    func sync(_ handle: OpenFile) throws(WALError) { try run { fs throws(WALError) in try fs.sync(handle) } }
    func syncDirectory(_ path: String) throws(WALError) { try run { fs throws(WALError) in try fs.syncDirectory(path) } }
    func rename(_ source: String, to destination: String) throws(WALError) {
        try run { fs throws(WALError) in try fs.rename(source, to: destination) }
    }
    func remove(_ path: String) throws(WALError) { try run { fs throws(WALError) in try fs.remove(path) } }
    func createDirectory(_ path: String) throws(WALError) { try run { fs throws(WALError) in try fs.createDirectory(path) } }
    func listDirectory(_ path: String) throws(WALError) -> [String] {
        try run { fs throws(WALError) in try fs.listDirectory(path) }
    }
    func lockFile(_ path: String) throws(WALError) -> OpenFile { try run { fs throws(WALError) in try fs.lockFile(path) } }
}
