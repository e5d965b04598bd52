/// Runs the reduce side over a set of intermediate pairs: sorts them by key (UTF-8 bytes),
/// calls ``MapReduceApp/reduce(key:values:)`` once per distinct key, and renders the output
/// file's bytes, one `"<key> <value>\n"` line per key in key order.
///
/// Shared by reduce tasks (one bucket) and `mrsequential` (all pairs), so both produce the
/// same lines for the same keys.
public enum ReducePass {
    public static func run(_ pairs: [KeyValue], app: some MapReduceApp) -> [UInt8] {
        let sorted = pairs.sorted { UTF8Order.less($0.key, $1.key) }
        var out: [UInt8] = []
        var start = 0
        while start < sorted.count {
            let key = sorted[start].key
            var end = start + 1
            while end < sorted.count, UTF8Order.compare(sorted[end].key, key) == 0 { end += 1 }
            let result = app.reduce(key: key, values: sorted[start..<end].map(\.value))
            out.append(contentsOf: key.utf8)
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: result.utf8)
            out.append(UInt8(ascii: "\n"))
            start = end
        }
        return out
    }
}
