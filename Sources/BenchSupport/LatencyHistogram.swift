import Histogram

/// Latencies of a benchmark in an HdrHistogram: constant memory and constant time per
/// recorded value however long the run, percentiles to three significant digits, so p99.9 of
/// a long run is as cheap and as trustworthy as p50. The one place our benchmarks
/// (`skv kv bench`, `skv shard bench`, `raft-bench`) compute latency percentiles.
///
/// Values are kept in microseconds from ``resolution`` up to ``highestTrackable``; a longer
/// latency counts as ``highestTrackable`` (and ``clampedCount`` says how many did).
public struct LatencyHistogram: Sendable {
    /// The smallest latency told apart from zero.
    public static let resolution: Duration = .microseconds(1)
    /// The largest latency recorded as itself.
    public static let highestTrackable: Duration = .seconds(600)

    private var histogram: Histogram<UInt64>
    /// Latencies above ``highestTrackable`` (recorded as it).
    public private(set) var clampedCount = 0

    public init() {
        histogram = Histogram(
            lowestDiscernibleValue: 1, highestTrackableValue: Self.microseconds(Self.highestTrackable),
            numberOfSignificantValueDigits: .three)
    }

    /// Recorded latencies.
    public var count: Int { Int(histogram.totalCount) }

    /// Records one latency (a negative one counts as zero).
    public mutating func record(_ latency: Duration) {
        var value = Self.microseconds(max(latency, .zero))
        if value > histogram.highestTrackableValue {
            value = histogram.highestTrackableValue
            clampedCount += 1
        }
        let recorded = histogram.record(value)
        precondition(recorded, "a latency within the histogram's range was not recorded")
    }

    /// Adds every latency `other` recorded.
    public mutating func merge(_ other: LatencyHistogram) {
        histogram.add(other.histogram)
        clampedCount += other.clampedCount
    }

    /// The latency at or below which `percent` % of the recorded ones lie (`nil` if none was
    /// recorded).
    public func latency(atPercentile percent: Double) -> Duration? {
        precondition((0...100).contains(percent), "a percentile lies in 0...100")
        guard count > 0 else { return nil }
        return .microseconds(Int64(histogram.valueAtPercentile(percent)))
    }

    /// The latency at `percent` in milliseconds (NaN if none was recorded).
    public func milliseconds(atPercentile percent: Double) -> Double {
        guard let latency = latency(atPercentile: percent) else { return .nan }
        return Double(latency.components.seconds) * 1e3 + Double(latency.components.attoseconds) / 1e15
    }

    /// `p50=1.23ms p99=4.56ms p99.9=7.89ms` (`-` for each when nothing was recorded).
    public var summary: String {
        [(50.0, "p50"), (99.0, "p99"), (99.9, "p99.9")].map { percent, name in
            guard count > 0 else { return "\(name)=-" }
            return "\(name)=\(Self.twoDecimals(milliseconds(atPercentile: percent)))ms"
        }.joined(separator: " ")
    }

    /// `value` with two decimals (no Foundation).
    public static func twoDecimals(_ value: Double) -> String {
        guard value.isFinite else { return "nan" }
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    private static func microseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(seconds) * 1_000_000 + UInt64(attoseconds / 1_000_000_000_000)
    }
}
