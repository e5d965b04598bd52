import CMallocTuning

/// The malloc settings every daemon (`skv kv|ctrler|shard serve`) applies at start-up.
///
/// glibc serves an allocation of at least its mmap threshold (128 KiB at first) from a mapping of
/// its own, returned to the system when freed; but freeing such a chunk raises the threshold to its
/// size (up to 32 MiB), after which buffers of that size — snapshots, batched appends to a follower
/// that lagged, HTTP/2 messages — come from the arena heaps instead. Freed, they leave holes the heap
/// cannot give back while anything lives above them, so the resident size stays near its peak. The
/// soak measured exactly that (docs/testing-faults.md, "Soak figures"): malloc's in-use bytes stayed
/// at 4-7 MB while RSS grew by tens of MiB. Fixing the threshold keeps large buffers in mappings of
/// their own.
enum AllocatorTuning {
    /// Allocations of at least this many bytes get a mapping of their own (glibc's initial value,
    /// made fixed).
    static let mmapThresholdBytes = 128 * 1024

    /// Applies the settings; returns whether the allocator took them (false on a non-glibc libc).
    @discardableResult
    static func apply() -> Bool {
        cmalloctuning_set_mmap_threshold(mmapThresholdBytes) == 1
    }
}
