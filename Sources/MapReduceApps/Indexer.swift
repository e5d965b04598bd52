public import MapReduce

/// `indexer`: an inverted index. Map emits `(word, filename)` once per distinct word of the
/// document (distinct by UTF-8 bytes); reduce sorts the documents ascending (UTF-8 byte
/// order) and returns `"<count> <doc1>,<doc2>,..."`.
public struct Indexer: MapReduceApp {
    public init() {}

    public func map(filename: String, contents: String) -> [KeyValue] {
        var distinct: [String] = []
        var previous: String? = nil
        for word in UTF8Order.sorted(WordSplitter.words(in: contents)) {
            if let last = previous, UTF8Order.compare(last, word) == 0 { continue }
            distinct.append(word)
            previous = word
        }
        return distinct.map { KeyValue($0, filename) }
    }

    public func reduce(key: String, values: [String]) -> String {
        "\(values.count) \(UTF8Order.sorted(values).joined(separator: ","))"
    }
}
