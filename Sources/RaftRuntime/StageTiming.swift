import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A process-wide, opt-in latency breakdown of one request's path through a replica (the
/// benchmarks' `--stage-timing` / `SKV_STAGE_TIMING=1`): components mark the moments a
/// request passes (proposed, persisted, committed, applied, answered), and ``report()``
/// prints each stage's p50/p90/p99 in microseconds.
///
/// Writes are keyed by their log index: the replicated state machine starts the clock when it
/// proposes, and the Raft peer and the apply path mark later stages against the same index.
/// Other stages (a follower's Step, a ReadIndex round) record a duration they measured
/// themselves. Off by default: every call then returns after one load of a constant.
///
/// It is a diagnostic for benchmarks, not a metric: samples are kept in memory up to
/// ``maxSamplesPerStage`` per stage and the first ones win.
public final class StageTiming: Sendable {
    /// The process's recorder.
    public static let shared = StageTiming(enabled: getenv("SKV_STAGE_TIMING").map { String(cString: $0) } == "1")

    /// Samples kept per stage.
    public static let maxSamplesPerStage = 200_000
    /// Started requests whose clock is kept (older ones are dropped beyond it).
    public static let maxOpenRequests = 100_000

    public let isEnabled: Bool
    private let state = Mutex(State())
    private let origin = ContinuousClock.now

    private struct State: ~Copyable {
        var started: [UInt64: UInt64] = [:]
        var samples: [String: [UInt64]] = [:]
        var order: [String] = []

        mutating func add(_ stage: String, _ nanoseconds: UInt64) {
            if samples[stage] == nil { order.append(stage) }
            if samples[stage, default: []].count < StageTiming.maxSamplesPerStage {
                samples[stage, default: []].append(nanoseconds)
            }
        }
    }

    init(enabled: Bool) {
        isEnabled = enabled
    }

    /// Nanoseconds since the recorder was created (a monotonic clock).
    public func now() -> UInt64 {
        let elapsed = (ContinuousClock.now - origin).components
        return UInt64(elapsed.seconds) * 1_000_000_000 + UInt64(elapsed.attoseconds / 1_000_000_000)
    }

    /// Starts the clock of the request that will have log index `index`, at `start` (a
    /// ``now()`` taken when the request arrived).
    public func start(index: UInt64, at start: UInt64) {
        guard isEnabled else { return }
        state.withLock { state in
            if state.started.count >= Self.maxOpenRequests { state.started.removeAll() }
            state.started[index] = start
        }
    }

    /// Records how long after its start the request at `index` reached `stage`; `finish`
    /// forgets the request.
    public func mark(_ stage: String, index: UInt64, finish: Bool = false) {
        guard isEnabled else { return }
        let now = now()
        state.withLock { state in
            guard let start = finish ? state.started.removeValue(forKey: index) : state.started[index] else { return }
            state.add(stage, now &- start)
        }
    }

    /// Records a duration measured by the caller: from `start` (a ``now()``) until now.
    public func record(_ stage: String, since start: UInt64) {
        guard isEnabled else { return }
        let now = now()
        state.withLock { $0.add(stage, now &- start) }
    }

    /// One line per stage, in the order stages were first seen: count, p50, p90, p99 and max
    /// in microseconds.
    public func report() -> String {
        let (order, samples) = state.withLock { ($0.order, $0.samples) }
        var lines = ["stage                              count     p50 µs     p90 µs     p99 µs     max µs"]
        for stage in order {
            let sorted = (samples[stage] ?? []).sorted()
            guard !sorted.isEmpty else { continue }
            func percentile(_ p: Double) -> String {
                let value = sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
                return Self.microseconds(value).padded(10)
            }
            lines.append(
                stage + String(repeating: " ", count: max(0, 32 - stage.count)) + String(sorted.count).padded(8)
                    + percentile(0.5) + percentile(0.9) + percentile(0.99) + percentile(1.0))
        }
        return lines.joined(separator: "\n")
    }

    /// `nanoseconds` as microseconds with one decimal ("123.4").
    static func microseconds(_ nanoseconds: UInt64) -> String {
        let tenths = (nanoseconds + 50) / 100
        return "\(tenths / 10).\(tenths % 10)"
    }
}

extension String {
    fileprivate func padded(_ width: Int) -> String {
        let text = count > 9 ? String(prefix(9)) : self
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }

}
