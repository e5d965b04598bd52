/// One intermediate pair emitted by ``MapReduceApp/map(filename:contents:)``.
///
/// Keys are compared and grouped by their UTF-8 bytes (as Go compares strings), never by
/// Swift's Unicode canonical equivalence: two spellings of "é" are two keys.
public struct KeyValue: Hashable, Sendable {
    public var key: String
    public var value: String

    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}
