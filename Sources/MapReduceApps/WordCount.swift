public import MapReduce

/// `wc`: counts word occurrences. Map emits `(word, "1")` per occurrence (``WordSplitter``);
/// reduce returns the number of values in decimal.
public struct WordCount: MapReduceApp {
    public init() {}

    public func map(filename: String, contents: String) -> [KeyValue] {
        WordSplitter.words(in: contents).map { KeyValue($0, "1") }
    }

    public func reduce(key: String, values: [String]) -> String {
        String(values.count)
    }
}
