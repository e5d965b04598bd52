import CoreMetrics
#if canImport(Glibc)
import Glibc
#endif

/// The process's own gauges, read from `/proc` when scraped (Linux; the names of the
/// Prometheus client libraries' process collectors): `process_resident_memory_bytes` and
/// `process_open_fds`; and the allocator's (``Allocator``): `skv_allocator_allocated_bytes`
/// (held by the program) and `skv_allocator_resident_bytes` (kept resident by jemalloc). A
/// value that cannot be read is left as it was.
struct ProcessMetrics: Sendable {
    private let residentMemory = Gauge(label: "process_resident_memory_bytes")
    private let openFileDescriptors = Gauge(label: "process_open_fds")
    private let allocatedBytes = Gauge(label: "skv_allocator_allocated_bytes")
    private let allocatorResidentBytes = Gauge(label: "skv_allocator_resident_bytes")

    /// Reads the values and records them.
    func update() {
        if let bytes = Self.residentBytes() { residentMemory.record(bytes) }
        if let count = Self.openFileDescriptorCount() { openFileDescriptors.record(count) }
        if let statistics = Allocator.statistics() {
            allocatedBytes.record(statistics.allocatedBytes)
            allocatorResidentBytes.record(statistics.residentBytes)
        }
    }

    /// The resident set size: the second field of `/proc/self/statm` (pages) times the page size.
    static func residentBytes() -> Int? {
        guard let file = fopen("/proc/self/statm", "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        guard fgets(&line, Int32(line.count), file) != nil else { return nil }
        let fields = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            .split(separator: " ")
        guard fields.count >= 2, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Entries of `/proc/self/fd` (without `.` and `..`, and without the descriptor that
    /// lists them).
    static func openFileDescriptorCount() -> Int? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { name in name[0] == UInt8(ascii: ".") }
            if !isDot { count += 1 }
        }
        return count - 1
    }
}
