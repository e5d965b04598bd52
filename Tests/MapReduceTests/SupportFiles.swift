import Glibc
import MapReduce

/// Test helpers: the fixture directory and scratch directories.
enum SupportFiles {
    /// `Tests/Fixtures/mapreduce`, found from this source file's path.
    static var fixtures: String {
        // #filePath is .../Tests/MapReduceTests/SupportFiles.swift.
        let components = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        return components.dropLast(2).joined(separator: "/") + "/Fixtures/mapreduce"
    }

    /// A fresh empty directory under the system temporary directory.
    static func makeScratchDirectory() -> String {
        var template = Array("/tmp/skv-mr-test.XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        return String(decoding: template.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Removes a scratch directory's files (not recursive; tests create flat directories).
    static func removeScratchDirectory(_ path: String) {
        for name in (try? LocalFiles.listDirectory(path)) ?? [] { unlink("\(path)/\(name)") }
        rmdir(path)
    }

    /// Sorted non-empty lines of every `mr-out*` file in `directory` (the checker's view).
    static func sortedOutputLines(in directory: String) throws -> [String] {
        var lines: [String] = []
        for name in try LocalFiles.listDirectory(directory) where name.hasPrefix("mr-out") {
            let text = try LocalFiles.readString("\(directory)/\(name)")
            lines.append(contentsOf: text.split(separator: "\n").map(String.init))
        }
        return UTF8Order.sorted(lines)
    }
}
