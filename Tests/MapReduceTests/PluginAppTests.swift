import Glibc
import MapReduce
import Testing

/// Loading a user-built application at run time: the example plugin
/// (`Examples/MapReduceExamplePlugin`, built next to the test binary by `swift build`) is
/// `dlopen`ed and driven through the C ABI, and bad libraries are refused with typed errors.
@Suite struct PluginAppTests {
    /// `.build/<config>/libMapReduceExamplePlugin.so`, next to the running test binary.
    static var examplePluginPath: String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        precondition(count > 0, "cannot read /proc/self/exe")
        let executable = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return executable.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
            + "/libMapReduceExamplePlugin.so"
    }

    @Test func examplePluginMapsAndReducesThroughTheABI() throws {
        let path = Self.examplePluginPath
        #expect(PluginApp.isPluginPath(path))
        let app = try AppRegistry().makeApp(named: path)
        #expect(app.map(filename: "f.txt", contents: "ab\nabcd\n") == [
            KeyValue("f.txt", "2"), KeyValue("f.txt", "4"), KeyValue("f.txt", "0"),
        ])
        #expect(app.reduce(key: "f.txt", values: ["2", "17", "4"]) == "17")
        // Escapes and non-ASCII survive the byte boundary.
        #expect(app.map(filename: "tab\tname é", contents: "é") == [KeyValue("tab\tname é", "2")])
    }

    @Test func libraryWithoutTheEntryPointsIsRefused() {
        #expect(throws: MapReduceError.self) { try PluginApp(loadingLibraryAt: "libc.so.6") }
        #expect(throws: MapReduceError.self) { try PluginApp(loadingLibraryAt: "/nonexistent/plugin.so") }
    }
}
