import DurableStorage

/// One instance's view of its server's ``LabDisk``: every call goes to the disk while the
/// instance lives, and fails with `EIO` once it crashed. In virtual time every write costs
/// virtual time in proportion to its size (``LabEnvironment/chargeWrite(bytes:)``).
struct LabDiskFileSystem: FileSystem, Sendable {
    let disk: LabDisk
    let generation: Int
    let environment: LabEnvironment

    private func run<T: Sendable>(_ body: (CrashSimulatingFileSystem) throws(WALError) -> T) throws(WALError) -> T {
        try disk.access(generation: generation, body)
    }

    func open(_ path: String, mode: OpenMode) throws(WALError) -> OpenFile {
        try run { fs throws(WALError) in try fs.open(path, mode: mode) }
    }
    func close(_ handle: OpenFile) throws(WALError) { try run { fs throws(WALError) in try fs.close(handle) } }
    func write(_ handle: OpenFile, _ bytes: [UInt8], at offset: Int64) throws(WALError) {
        environment.chargeWrite(bytes: bytes.count)
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
    func syncDirectory(_ path: String) throws(WALError) {
        try run { fs throws(WALError) in try fs.syncDirectory(path) }
    }
    func rename(_ source: String, to destination: String) throws(WALError) {
        try run { fs throws(WALError) in try fs.rename(source, to: destination) }
    }
    func remove(_ path: String) throws(WALError) { try run { fs throws(WALError) in try fs.remove(path) } }
    func createDirectory(_ path: String) throws(WALError) {
        try run { fs throws(WALError) in try fs.createDirectory(path) }
    }
    func listDirectory(_ path: String) throws(WALError) -> [String] {
        try run { fs throws(WALError) in try fs.listDirectory(path) }
    }
    func lockFile(_ path: String) throws(WALError) -> OpenFile {
        try run { fs throws(WALError) in try fs.lockFile(path) }
    }
}
