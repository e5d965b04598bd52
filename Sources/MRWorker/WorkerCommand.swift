import ArgumentParser
import MapReduce
import MapReduceApps
import RPCCore
import RPCHTTP2NIO
#if canImport(Glibc)
import Glibc
#endif

/// `mrworker --coordinator HOST:PORT APP` (or `--endpoint-file PATH`): one MapReduce worker
/// process, running tasks of the job's coordinator until the job is done.
///
/// Exit status 0 when the coordinator says the job is done, or when a coordinator that
/// answered before stops answering (the lab's "coordinator gone, job done" path). Status 1
/// with a one-line `mrworker: ...` message for an unknown application, a bad address, a
/// coordinator never reached, or a failed task (which the coordinator re-issues later).
@main
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mrworker", abstract: "Run MapReduce tasks for a coordinator until the job is done.")

    @Option(help: "The coordinator's address, HOST:PORT.")
    var coordinator: String?

    @Option(help: "Read the coordinator's address (HOST:PORT) from this file, as written by mrcoordinator --endpoint-file.")
    var endpointFile: String?

    @Option(help: "Seconds to keep retrying an unreachable coordinator before giving up.")
    var unreachableSeconds: Int = 3

    @Argument(help: "The application's name (\(BuiltinApps.registry.names.joined(separator: ", "))).")
    var app: String

    func run() async throws {
        do throws(MapReduceError) {
            let application = try BuiltinApps.registry.makeApp(named: app)
            let endpoint = try resolveEndpoint()
            var transportConfiguration = HTTP2ClientTransport.Configuration()
            transportConfiguration.connectTimeout = .seconds(2)
            transportConfiguration.maxBackoff = .milliseconds(500)
            let transport = HTTP2ClientTransport(host: endpoint.host, port: endpoint.port, configuration: transportConfiguration)
            let worker = Worker(
                coordinator: CoordinatorClient(wrapping: RPCClient(transport: transport)),
                app: application,
                workerID: "pid-\(getpid())",
                configuration: Worker.Configuration(unreachableBudget: .seconds(max(0, unreachableSeconds))))
            let exit: Worker.Exit
            do throws(MapReduceError) {
                exit = try await worker.run()
            } catch {
                await transport.close()
                throw error
            }
            await transport.close()
            _ = exit
        } catch {
            printError(error.message)
            throw ExitCode.failure
        }
    }

    private func resolveEndpoint() throws(MapReduceError) -> Endpoint {
        switch (coordinator, endpointFile) {
        case (let address?, nil):
            return try Endpoint(parsing: address)
        case (nil, let path?):
            let text = try LocalFiles.readString(path)
            return try Endpoint(parsing: String(text.split(whereSeparator: \.isNewline).first ?? ""))
        default:
            throw MapReduceError(code: .invalidArgument, message: "give exactly one of --coordinator HOST:PORT and --endpoint-file PATH")
        }
    }
}
