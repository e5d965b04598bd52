internal import Glibc

/// The plugin side of the MapReduce dynamic-library ABI (version ``abiVersion``): helpers that
/// a plugin's three `@_cdecl` entry points forward to. See ``PluginApp`` for the ABI and
/// `docs/mapreduce.md` for a complete plugin.
///
/// Only bytes cross the library boundary (the ``IntermediateFileCodec`` format for pairs,
/// UTF-8 for strings), never Swift types, because the plugin carries its own copy of this
/// module. Output buffers are allocated with `malloc` and freed by the host with `free`.
public enum PluginExports {
    /// The ABI version this module implements; a host refuses a plugin reporting another.
    public static let abiVersion: Int32 = 1

    /// Body of `skv_mapreduce_map`: runs `app.map` and returns its pairs encoded.
    public static func map(
        _ app: some MapReduceApp,
        filename: UnsafePointer<CChar>,
        contents: UnsafePointer<UInt8>?,
        contentsCount: Int,
        output: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>,
        outputCount: UnsafeMutablePointer<Int>
    ) {
        let name = String(decoding: UnsafeBufferPointer(start: UnsafeRawPointer(filename).assumingMemoryBound(to: UInt8.self), count: strlen(filename)), as: UTF8.self)
        let text = String(decoding: UnsafeBufferPointer(start: contents, count: contentsCount), as: UTF8.self)
        deliver(IntermediateFileCodec.encode(app.map(filename: name, contents: text)), output, outputCount)
    }

    /// Body of `skv_mapreduce_reduce`: decodes the pairs of one key, runs `app.reduce`, and
    /// returns the result's UTF-8 bytes.
    public static func reduce(
        _ app: some MapReduceApp,
        pairs: UnsafePointer<UInt8>?,
        pairsCount: Int,
        output: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>,
        outputCount: UnsafeMutablePointer<Int>
    ) {
        let decoded: [KeyValue]
        do {
            decoded = try IntermediateFileCodec.decode(Array(UnsafeBufferPointer(start: pairs, count: pairsCount)))
        } catch {
            preconditionFailure("the host passed a malformed pair buffer: \(error)")
        }
        precondition(!decoded.isEmpty, "the host passed no pairs to reduce")
        deliver(Array(app.reduce(key: decoded[0].key, values: decoded.map(\.value)).utf8), output, outputCount)
    }

    private static func deliver(
        _ bytes: [UInt8], _ output: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, _ outputCount: UnsafeMutablePointer<Int>
    ) {
        let buffer = malloc(max(bytes.count, 1))!.assumingMemoryBound(to: UInt8.self)
        bytes.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress!, count: $0.count) }
        output.pointee = buffer
        outputCount.pointee = bytes.count
    }
}
