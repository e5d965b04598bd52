public import CoreMetrics

extension CoreMetrics.Timer {
    /// Records `duration` with nanosecond precision (saturating past ≈ 292 years).
    public func recordDuration(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let (nanoseconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        recordNanoseconds(overflow ? Int64.max : nanoseconds &+ attoseconds / 1_000_000_000)
    }
}
