import MapReduce

/// An application defined outside the framework and loaded at run time:
/// `mrworker --coordinator HOST:PORT .build/debug/libMapReduceExamplePlugin.so`.
///
/// Map emits, per line of the input, the line's length in UTF-8 bytes keyed by the file name;
/// reduce returns the longest length in decimal.
struct LongestLine: MapReduceApp {
    func map(filename: String, contents: String) -> [KeyValue] {
        // Split on LF bytes: as Characters, "\r\n" is one grapheme and would not match "\n".
        contents.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map {
            KeyValue(filename, String($0.count))
        }
    }

    func reduce(key: String, values: [String]) -> String {
        String(values.compactMap { Int($0) }.max() ?? 0)
    }
}

// The plugin ABI (see `PluginApp`): three C entry points forwarding to `PluginExports`.

@_cdecl("skv_mapreduce_abi_version")
public func abiVersion() -> Int32 {
    PluginExports.abiVersion
}

@_cdecl("skv_mapreduce_map")
public func map(
    _ filename: UnsafePointer<CChar>, _ contents: UnsafePointer<UInt8>?, _ contentsCount: Int,
    _ output: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, _ outputCount: UnsafeMutablePointer<Int>
) {
    PluginExports.map(
        LongestLine(), filename: filename, contents: contents, contentsCount: contentsCount, output: output, outputCount: outputCount)
}

@_cdecl("skv_mapreduce_reduce")
public func reduce(
    _ pairs: UnsafePointer<UInt8>?, _ pairsCount: Int,
    _ output: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, _ outputCount: UnsafeMutablePointer<Int>
) {
    PluginExports.reduce(LongestLine(), pairs: pairs, pairsCount: pairsCount, output: output, outputCount: outputCount)
}
