public import MapReduce

/// `rtiming`: probes reduce parallelism. Map emits `("a","1")` … `("j","1")`; each reduce
/// returns the number of concurrently live reducers (``ParallelismProbe``, 1 s) in decimal.
public struct ReduceTiming: MapReduceApp {
    public init() {}

    public func map(filename: String, contents: String) -> [KeyValue] {
        ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"].map { KeyValue($0, "1") }
    }

    public func reduce(key: String, values: [String]) -> String {
        String(ParallelismProbe.liveWorkers(phase: "reduce"))
    }
}
