internal import Glibc

/// A ``MapReduceApp`` loaded from a user-built dynamic library (`dlopen`), so that a new
/// application runs without rebuilding the framework or the executables.
///
/// ## ABI (version 1)
/// The library exports three C symbols (write them with `@_cdecl`, forwarding to
/// ``PluginExports``):
///
/// ```c
/// int32_t skv_mapreduce_abi_version(void);            // must return 1
/// void skv_mapreduce_map(const char *filename, const uint8_t *contents, size_t contents_count,
///                        uint8_t **out, size_t *out_count);   // pairs, IntermediateFileCodec
/// void skv_mapreduce_reduce(const uint8_t *pairs, size_t pairs_count,  // one key's pairs
///                           uint8_t **out, size_t *out_count);       // result, UTF-8
/// ```
///
/// `*out` is allocated with `malloc` by the library and freed by the host with `free`. The
/// functions must be safe to call from any thread (one call at a time per worker process).
/// The library is never unloaded.
public struct PluginApp: MapReduceApp {
    private typealias VersionFunction = @convention(c) () -> Int32
    private typealias MapFunction = @convention(c) (
        UnsafePointer<CChar>, UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, UnsafeMutablePointer<Int>
    ) -> Void
    private typealias ReduceFunction = @convention(c) (
        UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, UnsafeMutablePointer<Int>
    ) -> Void

    private let mapFunction: MapFunction
    private let reduceFunction: ReduceFunction

    /// The path the library was loaded from.
    public let path: String

    /// Whether an application name given on a command line names a plugin file rather than a
    /// registered application (it contains `/` or ends in `.so`).
    public static func isPluginPath(_ name: String) -> Bool {
        name.contains("/") || name.hasSuffix(".so")
    }

    /// Loads the library at `path` and resolves the three entry points.
    /// - Throws: ``MapReduceError/Code/unknownApp`` if it cannot be loaded, lacks a symbol, or
    ///   reports another ABI version.
    public init(loadingLibraryAt path: String) throws(MapReduceError) {
        // RTLD_NOW: fail here, not at the first call, if a dependency is missing.
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown error"
            throw MapReduceError(code: .unknownApp, message: "cannot load plugin \(path): \(reason)")
        }
        func symbol(_ name: String) throws(MapReduceError) -> UnsafeMutableRawPointer {
            guard let pointer = dlsym(handle, name) else {
                throw MapReduceError(code: .unknownApp, message: "plugin \(path) does not export \(name)")
            }
            return pointer
        }
        let version = unsafeBitCast(try symbol("skv_mapreduce_abi_version"), to: VersionFunction.self)()
        guard version == PluginExports.abiVersion else {
            throw MapReduceError(
                code: .unknownApp, message: "plugin \(path) has ABI version \(version), expected \(PluginExports.abiVersion)")
        }
        mapFunction = unsafeBitCast(try symbol("skv_mapreduce_map"), to: MapFunction.self)
        reduceFunction = unsafeBitCast(try symbol("skv_mapreduce_reduce"), to: ReduceFunction.self)
        self.path = path
    }

    public func map(filename: String, contents: String) -> [KeyValue] {
        var contents = contents
        let bytes = filename.withCString { name in
            contents.withUTF8 { text in call { mapFunction(name, text.baseAddress, text.count, $0, $1) } }
        }
        do {
            return try IntermediateFileCodec.decode(bytes)
        } catch {
            preconditionFailure("plugin \(path) returned malformed pairs: \(error)")
        }
    }

    public func reduce(key: String, values: [String]) -> String {
        let pairs = IntermediateFileCodec.encode(values.map { KeyValue(key, $0) })
        let bytes = pairs.withUnsafeBufferPointer { buffer in call { reduceFunction(buffer.baseAddress, buffer.count, $0, $1) } }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Calls an entry point and takes ownership of the buffer it returns.
    private func call(
        _ body: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, UnsafeMutablePointer<Int>) -> Void
    ) -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>? = nil
        var count = 0
        body(&output, &count)
        defer { free(output) }
        return Array(UnsafeBufferPointer(start: output, count: count))
    }
}
