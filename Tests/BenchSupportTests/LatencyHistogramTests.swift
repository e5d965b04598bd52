import BenchSupport
import Testing

/// Percentiles come from the histogram to three significant digits, merge adds counts, and
/// out-of-range latencies are clamped and counted rather than dropped.
@Suite struct LatencyHistogramTests {
    @Test func percentilesOfAUniformRunAreWithinThreeDigits() {
        var histogram = LatencyHistogram()
        // 1 ms, 2 ms, ..., 1000 ms: p50 is 500 ms, p99 990 ms, p99.9 999 ms.
        for millisecond in 1...1000 { histogram.record(.milliseconds(millisecond)) }
        #expect(histogram.count == 1000)
        for (percent, expected) in [(50.0, 500.0), (99.0, 990.0), (99.9, 999.0)] {
            let measured = histogram.milliseconds(atPercentile: percent)
            #expect(
                abs(measured - expected) <= expected * 0.001, "p\(percent): \(measured) ms, expected \(expected) ms")
        }
        #expect(histogram.summary.hasPrefix("p50=50"))
        #expect(histogram.summary.contains(" p99.9="))
    }

    @Test func mergeAddsTheOtherRecordings() {
        var fast = LatencyHistogram()
        var slow = LatencyHistogram()
        for _ in 0..<900 { fast.record(.microseconds(100)) }
        for _ in 0..<100 { slow.record(.milliseconds(50)) }
        fast.merge(slow)
        #expect(fast.count == 1000)
        #expect(abs(fast.milliseconds(atPercentile: 50) - 0.1) < 0.001)
        #expect(abs(fast.milliseconds(atPercentile: 95) - 50) < 0.05)
    }

    @Test func emptyHistogramHasNoPercentiles() {
        let histogram = LatencyHistogram()
        #expect(histogram.latency(atPercentile: 50) == nil)
        #expect(histogram.milliseconds(atPercentile: 99).isNaN)
        #expect(histogram.summary == "p50=- p99=- p99.9=-")
    }

    @Test func outOfRangeLatenciesAreClampedAndCounted() {
        var histogram = LatencyHistogram()
        histogram.record(.seconds(-1))
        histogram.record(LatencyHistogram.highestTrackable * 2)
        #expect(histogram.count == 2)
        #expect(histogram.clampedCount == 1)
        #expect(histogram.latency(atPercentile: 0) == .zero)
        let top = histogram.milliseconds(atPercentile: 100)
        let limit = LatencyHistogram.highestTrackable / .milliseconds(1)
        #expect(abs(top - limit) <= limit * 0.001)
    }

    @Test func twoDecimalsRounds() {
        #expect(LatencyHistogram.twoDecimals(3) == "3.00")
        #expect(LatencyHistogram.twoDecimals(7.1) == "7.10")
        #expect(LatencyHistogram.twoDecimals(12.345678) == "12.35")
        #expect(LatencyHistogram.twoDecimals(0.04) == "0.04")
        #expect(LatencyHistogram.twoDecimals(.nan) == "nan")
    }
}
