import CJemalloc
import JemallocConfiguration

/// The `skv` executable's allocator: jemalloc, linked in (`CJemalloc`, Debian's unprefixed
/// build), so that every allocation of the process — Swift objects, nghttp2, protobuf-c, NIO
/// buffers — goes to it rather than to glibc's malloc.
///
/// Why, measured on 2026-12-06 (3 local `skv kv serve` members, `h2load` at the leader, the same
/// binary run with and without jemalloc, two alternating rounds): Put at 64 streams 17,900 and
/// 15,800/s on glibc against 24,700 and 19,800/s, Put at 256 streams 30,200 and 21,800 against
/// 37,500 and 33,500, single-stream Put and Get 5–8 % faster. On glibc, Gets after a burst of Puts
/// slowed by up to a third and kept slowing over the next 20 s (61,500 → 37,800/s) while its
/// `_int_malloc`, `malloc_consolidate` and `unlink_chunk` grew from 3.6 % to 10.5 % of the
/// leader's CPU: the burst leaves glibc's bins fragmented, and with 2 shared arenas (the
/// daemons' earlier glibc settings) every allocation past the 7-entry thread cache takes an
/// arena lock. On jemalloc the Gets after the burst stayed at 58,700–64,300/s.
///
/// Memory: glibc kept what bursts left in per-thread arenas (docs/testing-faults.md, the soak's
/// RSS growth, which the earlier `mallopt` settings bounded); jemalloc gives dirty pages back
/// to the system once unused for its decay time, so a burst's memory does not stay resident.
/// With jemalloc's default decay of 10 s the 10-minute soak (`Scripts/soak.sh 600`, seed
/// 7424980340638858854) passed its RSS bound but peaked at 413 MiB on one daemon (glibc with
/// the earlier settings: 53), transient large buffers of ten seconds piling up; the options in
/// `JemallocConfiguration` (``options``) shorten that to about a second and purge from a
/// background thread. Its own figures are exported as metrics (``statistics()``).
enum Allocator {
    /// The options the executable gives jemalloc (`malloc_conf`).
    static var options: String { String(cString: skv_jemalloc_configuration()) }

    /// The options jemalloc runs with, read back from it: `dirty_decay_ms` and whether its
    /// background thread purges — `nil` if they cannot be read.
    static func appliedOptions() -> (dirtyDecayMilliseconds: Int, backgroundThread: Bool)? {
        guard let decay = read("opt.dirty_decay_ms", 0), let background = read("background_thread", false) else {
            return nil
        }
        return (decay, background)
    }

    /// One line for the start-up log: version and the options in force.
    static func summary() -> String {
        let applied = appliedOptions().map {
            "dirty_decay_ms \($0.dirtyDecayMilliseconds), background thread \($0.backgroundThread)"
        }
        return "jemalloc \(version() ?? "?") (\(applied ?? "options \(options) not confirmed"))"
    }

    /// jemalloc's counters: bytes the program holds, and bytes jemalloc keeps resident
    /// (`stats.allocated`, `stats.resident`).
    struct Statistics: Sendable {
        var allocatedBytes: Int
        var residentBytes: Int
    }

    /// jemalloc's version (`version`), or `nil` if it cannot be read.
    static func version() -> String? {
        guard let pointer = read("version", UnsafePointer<CChar>?.none) ?? nil else { return nil }
        return String(cString: pointer)
    }

    /// The current counters (refreshed first: jemalloc updates them per `epoch`), or `nil` if
    /// they cannot be read. `allocatedBytes` counts only what jemalloc served, so it is near
    /// zero if the process's allocations went elsewhere.
    static func statistics() -> Statistics? {
        var epoch: UInt64 = 1
        guard mallctl("epoch", nil, nil, &epoch, MemoryLayout<UInt64>.size) == 0 else { return nil }
        guard let allocated = read("stats.allocated", 0), let resident = read("stats.resident", 0) else { return nil }
        return Statistics(allocatedBytes: allocated, residentBytes: resident)
    }

    /// Reads jemalloc's `name` (a value of `Value`'s size: `size_t`, `ssize_t`, `bool`, a
    /// pointer) into a copy of `initial`; `nil` if `mallctl` refuses.
    private static func read<Value: BitwiseCopyable>(_ name: String, _ initial: Value) -> Value? {
        var value = initial
        var size = MemoryLayout<Value>.size
        return mallctl(name, &value, &size, nil, 0) == 0 ? value : nil
    }
}
