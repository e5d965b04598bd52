import BenchSupport
import Foundation

/// What one measurement saw.
struct BenchResult {
    var latencies: LatencyHistogram
    var elapsed: Duration
    var syncs: Int

    var commits: Int { latencies.count }

    static func milliseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15
    }

    func row(transport: BenchTransport, proposers: Int, mode: String) -> String {
        let seconds = Self.milliseconds(elapsed) / 1e3
        let perCommit = commits == 0 ? Double.nan : Double(syncs) / Double(commits)
        return [
            transport.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0),
            String(proposers).leftPadded(9), mode.leftPadded(18), String(commits).leftPadded(7),
            String(format: "%.0f", Double(commits) / seconds).leftPadded(9),
            String(format: "%.2f", latencies.milliseconds(atPercentile: 50)).leftPadded(6),
            String(format: "%.2f", latencies.milliseconds(atPercentile: 99)).leftPadded(6),
            String(format: "%.2f", latencies.milliseconds(atPercentile: 99.9)).leftPadded(8),
            String(format: "%.3f", perCommit).leftPadded(13),
        ].joined(separator: "  ")
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
