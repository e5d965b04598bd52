import DurableStorage
internal import Glibc
import Synchronization

/// A flag another task may flip while a store owns the file system.
final class FaultSwitch: Sendable {
    private let on = Atomic<Bool>(false)
    func failSyncs() { on.store(true, ordering: .sequentiallyConsistent) }
    var isOn: Bool { on.load(ordering: .sequentiallyConsistent) }
}

/// A `PosixFileSystem` whose sync calls fail with `EIO` once its `FaultSwitch` is on (a disk
/// going bad under a running peer).
struct SwitchableFaultFileSystem: FileSystem {
    let base = PosixFileSystem()
    let fault: FaultSwitch

    private func check(_ operation: String, _ path: String) throws(WALError) {
        if fault.isOn { throw .io(operation: operation, path: path, errno: EIO, message: "injected") }
    }

    func open(_ path: String, mode: OpenMode) throws(WALError) -> OpenFile { try base.open(path, mode: mode) }
    func close(_ handle: OpenFile) throws(WALError) { try base.close(handle) }
    func write(_ handle: OpenFile, _ bytes: [UInt8], at offset: Int64) throws(WALError) {
        try base.write(handle, bytes, at: offset)
    }
    func read(_ handle: OpenFile, count: Int, at offset: Int64) throws(WALError) -> [UInt8] {
        try base.read(handle, count: count, at: offset)
    }
    func size(_ handle: OpenFile) throws(WALError) -> Int64 { try base.size(handle) }
    func truncate(_ handle: OpenFile, to length: Int64) throws(WALError) { try base.truncate(handle, to: length) }
    func allocate(_ handle: OpenFile, upTo length: Int64) throws(WALError) { try base.allocate(handle, upTo: length) }
    func syncData(_ handle: OpenFile) throws(WALError) {
        try check("fdatasync", handle.path)
        try base.syncData(handle)
    }
    func sync(_ handle: OpenFile) throws(WALError) {
        try check("fsync", handle.path)
        try base.sync(handle)
    }
    func syncDirectory(_ path: String) throws(WALError) {
        try check("fsync", path)
        try base.syncDirectory(path)
    }
    func rename(_ source: String, to destination: String) throws(WALError) { try base.rename(source, to: destination) }
    func remove(_ path: String) throws(WALError) { try base.remove(path) }
    func createDirectory(_ path: String) throws(WALError) { try base.createDirectory(path) }
    func listDirectory(_ path: String) throws(WALError) -> [String] { try base.listDirectory(path) }
    func lockFile(_ path: String) throws(WALError) -> OpenFile { try base.lockFile(path) }
}
