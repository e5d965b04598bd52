#if canImport(Glibc)
import Glibc
#endif

/// The `skv-node` file in a data directory: the service and node id it was first started
/// with. A directory whose marker disagrees with the command line is refused, so a replica
/// never runs on another member's log, nor a shard group's replica on the controller's (or
/// another group's) log. The group's members are not pinned here: they change through the
/// log, and the directory's address book (`members`, `AddressBookFile`) keeps them.
///
/// The file is `key=value` lines: `id`, `service` (`kv`, `ctrler` or `shard`) and, for a shard
/// group, `gid`. Markers written before the service was recorded have only `id` and `peers`;
/// they belong to a KV replica. A `peers` line (written before membership could change) is
/// read and ignored, and an existing marker is never rewritten.
struct DataDirectoryMarker: Equatable {
    /// Which daemon a data directory belongs to.
    enum Service: Equatable, CustomStringConvertible {
        /// `skv kv serve`.
        case kv
        /// `skv ctrler serve`.
        case ctrler
        /// `skv shard serve --gid N`.
        case shard(gid: UInt64)

        var description: String {
            switch self {
            case .kv: "service=kv"
            case .ctrler: "service=ctrler"
            case .shard(let gid): "service=shard gid=\(gid)"
            }
        }
    }

    static let fileName = "skv-node"
    /// Largest marker file read.
    static let maxBytes = 64 * 1024

    var service: Service
    var id: UInt64

    var text: String {
        var text = "id=\(id)\n"
        switch service {
        case .kv: text += "service=kv\n"
        case .ctrler: text += "service=ctrler\n"
        case .shard(let gid): text += "service=shard\ngid=\(gid)\n"
        }
        return text
    }

    /// Reads a marker's text; `nil` if it is not one (an unknown service, a missing or
    /// repeated key, a `gid` for a service other than `shard`).
    init?(parsing text: String) {
        var fields: [Substring: Substring] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "="), fields[line[..<equals]] == nil else { return nil }
            fields[line[..<equals]] = line[line.index(after: equals)...]
        }
        guard let idText = fields.removeValue(forKey: "id"), let id = UInt64(idText) else { return nil }
        fields["peers"] = nil
        let gid = fields.removeValue(forKey: "gid")
        let service: Service
        switch (fields.removeValue(forKey: "service"), gid) {
        case (nil, nil), ("kv", nil): service = .kv
        case ("ctrler", nil): service = .ctrler
        case ("shard", let gidText?):
            guard let gid = UInt64(gidText), gid > 0 else { return nil }
            service = .shard(gid: gid)
        default: return nil
        }
        guard fields.isEmpty else { return nil }
        self.init(service: service, id: id)
    }

    init(service: Service, id: UInt64) {
        self.service = service
        self.id = id
    }

    /// Writes the marker if `directory` has none; otherwise checks that it matches.
    /// - Throws: ``SKVError`` on a mismatch, an unreadable marker or an I/O failure.
    func verifyOrCreate(in directory: String) throws(SKVError) {
        let path = directory + "/" + Self.fileName
        guard let existingText = try TextFile.read(path, maxBytes: Self.maxBytes) else {
            try Self.writeAtomically(text, to: path)
            return
        }
        let found = existingText.split(separator: "\n").joined(separator: " ")
        guard let existing = Self(parsing: existingText) else {
            throw SKVError("data directory \(directory) has an unreadable marker \(path) (\(found))")
        }
        guard existing.service == service else {
            throw SKVError(
                "data directory \(directory) belongs to another service (marker: \(existing.service); "
                    + "command line: \(service))")
        }
        guard existing == self else {
            throw SKVError(
                "data directory \(directory) belongs to another configuration (marker: \(found); "
                    + "command line: id=\(id))")
        }
    }

    private static func writeAtomically(_ text: String, to path: String) throws(SKVError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SKVError("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == bytes.count, synced == 0, rename(temporary, path) == 0 else {
            throw SKVError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        let directoryFD = open(String(path[..<path.lastIndex(of: "/")!]), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }
}
