public import MapReduce

/// `indexer`: an inverted index. Map emits `(word, filename)` once per distinct word of the
/// document (distinct by UTF-8 bytes); reduce sorts the documents ascending (UTF-8 byte
/// order) and returns `"<count> <doc1>,<doc2>,..."`.
public struct Indexer: MapReduceApp {
    public init() {}

    public func map(filename: String, contents: String) -> [KeyValue] {
        var seen = Set<UTF8Key>()
        var pairs: [KeyValue] = []
        for word in WordSplitter.words(in: contents) where seen.insert(UTF8Key(word)).inserted {
            pairs.append(KeyValue(word, filename))
        }
        return pairs
    }

    public func reduce(key: String, values: [String]) -> String {
        "\(values.count) \(UTF8Order.sorted(values).joined(separator: ","))"
    }
}
