internal import Glibc
public import MapReduce

/// `mtiming`: probes map parallelism. Each map records its start time (Unix seconds, one
/// decimal) and the number of concurrently live mappers (``ParallelismProbe``, 1 s), emitting
/// `("times-<pid>", time)` and `("parallel-<pid>", count)`; reduce sorts the values and joins
/// them with single spaces.
public struct MapTiming: MapReduceApp {
    public init() {}

    public func map(filename: String, contents: String) -> [KeyValue] {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let start = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
        let pid = getpid()
        let count = ParallelismProbe.liveWorkers(phase: "map")
        return [
            KeyValue("times-\(pid)", OneDecimal.format(start)),
            KeyValue("parallel-\(pid)", String(count)),
        ]
    }

    public func reduce(key: String, values: [String]) -> String {
        UTF8Order.sorted(values).joined(separator: " ")
    }
}

/// Go's `fmt.Sprintf("%.1f", x)` for the non-negative values the timing apps format.
enum OneDecimal {
    static func format(_ value: Double) -> String {
        let tenths = (value * 10).rounded(.toNearestOrEven)
        let whole = Int(tenths / 10)
        let fraction = Int(tenths) - whole * 10
        return "\(whole).\(fraction)"
    }
}
