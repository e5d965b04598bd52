import ArgumentParser
import MapReduce
import MapReduceApps
#if canImport(Glibc)
import Glibc
#endif

/// `mrsequential APP FILE...`: the reference run. Maps every file in this process, reduces
/// every key, and writes `mr-out-0` (atomically) in the current directory.
///
/// Exit status 0 on success; 1 with a one-line `mrsequential: ...` message on stderr for an
/// unknown application or an unreadable input file.
@main
struct SequentialCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mrsequential", abstract: "Run a MapReduce application sequentially, writing mr-out-0.")

    @Argument(help: "The application's name (\(BuiltinApps.registry.names.joined(separator: ", "))).")
    var app: String

    @Argument(help: "The input files.")
    var inputFiles: [String]

    func run() throws {
        do throws(MapReduceError) {
            let application = try BuiltinApps.registry.makeApp(named: app)
            for file in inputFiles where !LocalFiles.isReadableFile(file) {
                throw MapReduceError(code: .io, message: "cannot read input file \(file)")
            }
            try SequentialJob.run(app: application, inputFiles: inputFiles, outputPath: "mr-out-0")
        } catch {
            printError(error.message)
            throw ExitCode.failure
        }
    }
}
