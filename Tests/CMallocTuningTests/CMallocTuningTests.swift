import CMallocStats
import CMallocTuning
import Testing

/// The daemons' fixed mmap threshold (`AllocatorTuning` in the `skv` executable): a large buffer
/// freed does not send the next one of its size to the arena heaps, where freed it would stay resident.
///
/// Run these in a process of their own (Scripts/test.sh does): glibc serves a request from an
/// arena's free top chunk before it considers mapping, so in a process whose heaps grew large
/// (the parallel test step's) the 1-MiB buffer may come from a heap whatever the threshold.
@Suite(.serialized) struct CMallocTuningTests {
    static let thresholdBytes = 128 * 1024
    static let bufferBytes = 1 << 20

    @Test func largeBufferStillGetsItsOwnMappingAfterAnEqualOneWasFreed() {
        #expect(cmalloctuning_set_mmap_threshold(Self.thresholdBytes) == 1)
        // With glibc's dynamic threshold, freeing this mapped chunk raises the threshold above its size.
        let first = UnsafeMutableRawPointer.allocate(byteCount: Self.bufferBytes, alignment: 16)
        first.deallocate()
        let mappedBefore = cmallocstats_mapped_bytes()
        let second = UnsafeMutableRawPointer.allocate(byteCount: Self.bufferBytes, alignment: 16)
        let mappedWhileLive = cmallocstats_mapped_bytes()
        second.deallocate()
        #expect(mappedWhileLive >= mappedBefore + Self.bufferBytes, "the second buffer came from a heap")
        #expect(cmallocstats_mapped_bytes() <= mappedWhileLive - Self.bufferBytes, "freed, it was not unmapped")
    }

    /// The arena cap is accepted; a cap of zero arenas is refused (not passed to mallopt, where 0
    /// would mean "no cap").
    @Test func arenaCapIsAcceptedAndZeroIsRefused() {
        #expect(cmalloctuning_set_arena_max(2) == 1)
        #expect(cmalloctuning_set_arena_max(0) == 0)
    }
}
