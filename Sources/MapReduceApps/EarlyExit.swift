public import MapReduce

/// `early_exit`: map emits `(filename, "1")`; reduce sleeps 3 s when the key contains
/// `sherlock` or `tom`, then returns the number of values in decimal. Catches workers or
/// coordinators that exit while reduce output is still being produced.
public struct EarlyExit: MapReduceApp {
    /// How long the slow reduces take.
    public static let slowReduce: Duration = .seconds(3)

    public init() {}

    public func map(filename: String, contents: String) -> [KeyValue] {
        [KeyValue(filename, "1")]
    }

    public func reduce(key: String, values: [String]) -> String {
        if key.contains("sherlock") || key.contains("tom") { BlockingSleep.sleep(for: Self.slowReduce) }
        return String(values.count)
    }
}
