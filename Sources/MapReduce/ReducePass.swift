/// Runs the reduce side over a set of intermediate pairs: groups them by key (UTF-8 bytes),
/// calls ``MapReduceApp/reduce(key:values:)`` once per distinct key in ascending UTF-8 byte
/// order of keys, and renders the output file's bytes, one `"<key> <value>\n"` line per key.
///
/// Values reach `reduce` in input order. Shared by reduce tasks (one bucket) and
/// `mrsequential` (all pairs), so both produce the same line for the same key.
public enum ReducePass {
    public static func run(_ pairs: [KeyValue], app: some MapReduceApp) -> [UInt8] {
        // Group with a hash table, then sort only the distinct keys: far cheaper than sorting
        // every pair when keys repeat (a word count has ~30 pairs per distinct key).
        var slots: [UTF8Key: Int] = [:]
        var keys: [String] = []
        var values: [[String]] = []
        for pair in pairs {
            let key = UTF8Key(pair.key)
            if let slot = slots[key] {
                values[slot].append(pair.value)
            } else {
                slots[key] = keys.count
                keys.append(pair.key)
                values.append([pair.value])
            }
        }
        let order = keys.indices.sorted { UTF8Order.less(keys[$0], keys[$1]) }
        var out: [UInt8] = []
        for slot in order {
            let result = app.reduce(key: keys[slot], values: values[slot])
            out.append(contentsOf: keys[slot].utf8)
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: result.utf8)
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }
}
