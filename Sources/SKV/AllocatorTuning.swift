import CMallocTuning

/// The malloc settings every daemon (`skv kv|ctrler|shard serve`) applies at start-up.
///
/// The 10-minute soak (docs/testing-faults.md, "Soak figures") grew each daemon's RSS from ~37 to
/// 86-95 MiB while malloc's bytes in use stayed at 6-9 MB: the rest was memory glibc kept after
/// bursts (a follower catching up, snapshots every few KB of log, calls piling up during a fault).
/// `malloc_stats()` at the end showed where: arenas of single threads holding 12-16 MB of heap
/// with under 100 KB in use, and `malloc_trim(0)` gave back only 2-3 MiB. Two settings address
/// the two ways glibc keeps it:
///
/// - glibc serves an allocation of at least its mmap threshold (128 KiB at first) from a mapping
///   of its own, returned to the system when freed; but freeing such a chunk raises the threshold
///   to its size (up to 32 MiB, and the heap-trim threshold to twice that), after which buffers of
///   that size — snapshots, batched appends to a follower that lagged, HTTP/2 messages — come from
///   the arena heaps instead, and the heaps are trimmed only past tens of MiB. Fixing the
///   threshold keeps large buffers in mappings of their own and the trim threshold at 128 KiB.
/// - Each thread that allocates while another holds its arena gets an arena of its own (up to
///   8 per core); a burst on one thread leaves that arena's heap at its peak, which the other
///   threads' allocations never reuse, so RSS approaches the sum of every arena's peak. Capping
///   the arenas makes the threads share (and reuse) the same heaps.
enum AllocatorTuning {
    /// Allocations of at least this many bytes get a mapping of their own (glibc's initial value,
    /// made fixed).
    static let mmapThresholdBytes = 128 * 1024
    /// Most malloc arenas (glibc's default on this machine's 2 cores: 16).
    static let maxArenas = 2

    /// Applies the settings; returns whether the allocator took them (false on a non-glibc libc).
    @discardableResult
    static func apply() -> Bool {
        let threshold = cmalloctuning_set_mmap_threshold(mmapThresholdBytes) == 1
        let arenas = cmalloctuning_set_arena_max(maxArenas) == 1
        return threshold && arenas
    }
}
