import ArgumentParser
import Dispatch
import MapReduce
import RPCCore
import RPCHTTP2NIO
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `mrcoordinator --listen HOST:PORT [--n-reduce N] [--endpoint-file PATH] FILE...`: the
/// coordinator of one MapReduce job (one map task per file, N reduce tasks).
///
/// Once listening it prints `listening on HOST:PORT` (the real port when 0 was asked for) and,
/// with `--endpoint-file`, writes that `HOST:PORT` line to PATH atomically. It checks whether
/// the job is done once per ``pollInterval``; when it is, it sleeps one more interval (so
/// workers polling meanwhile are told to exit), removes the endpoint file and exits 0. SIGINT
/// and SIGTERM remove the endpoint file and exit 1. So the endpoint file exists exactly while
/// the coordinator serves (the lab's socket-file convention, used by the crash test).
///
/// Exit status 1 with a one-line `mrcoordinator: ...` message for a missing input file, a bad
/// address or a port that cannot be bound.
@main
struct CoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mrcoordinator", abstract: "Coordinate a MapReduce job over gRPC (HTTP/2).")

    /// How often the job's completion is checked (the lab: once per second).
    static let pollInterval: Duration = .seconds(1)

    @Option(help: "Address to listen on, HOST:PORT (port 0 picks a free port).")
    var listen: String = "127.0.0.1:0"

    @Option(name: .customLong("n-reduce"), help: "Number of reduce tasks.")
    var nReduce: Int = 10

    @Option(help: "Write HOST:PORT here while serving; removed on exit.")
    var endpointFile: String?

    @Option(help: "Seconds after which an unfinished task is re-issued.")
    var taskTimeoutSeconds: Int = 10

    @Argument(help: "The input files, one map task each.")
    var inputFiles: [String]

    func run() async throws {
        let endpoint: Endpoint
        do throws(MapReduceError) {
            endpoint = try Endpoint(parsing: listen, allowPortZero: true)
            guard nReduce > 0 else { throw MapReduceError(code: .invalidArgument, message: "--n-reduce must be positive, got \(nReduce)") }
            guard taskTimeoutSeconds > 0 else {
                throw MapReduceError(code: .invalidArgument, message: "--task-timeout-seconds must be positive, got \(taskTimeoutSeconds)")
            }
            guard !inputFiles.isEmpty else { throw MapReduceError(code: .invalidArgument, message: "no input files") }
            for file in inputFiles where !LocalFiles.isReadableFile(file) {
                throw MapReduceError(code: .io, message: "cannot read input file \(file)")
            }
        } catch {
            fail(error.message)
        }
        let service = CoordinatorService(
            configuration: TaskScheduler.Configuration(
                inputFiles: inputFiles, reduceCount: nReduce, taskTimeout: .seconds(taskTimeoutSeconds)))
        let transport = HTTP2ServerTransport(host: endpoint.host, port: endpoint.port, configuration: .init())
        let server = RPCServer(transport: transport, services: [service])
        let endpointFile = self.endpointFile
        let signalSources = Self.exitOnSignals(removing: endpointFile)
        defer { signalSources.forEach { $0.cancel() } }

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await server.serve()
                } catch {
                    Self.removeEndpointFile(endpointFile)
                    fail("cannot serve on \(endpoint): \(error)")
                }
            }
            group.addTask {
                let port: Int
                do {
                    port = try await transport.listeningPort()
                } catch {
                    fail("cannot listen on \(endpoint): \(error)")
                }
                let bound = Endpoint(host: endpoint.host, port: port)
                print("listening on \(bound)")
                fflush(nil)
                if let endpointFile {
                    do throws(MapReduceError) {
                        try LocalFiles.writeAtomically(Array("\(bound)\n".utf8), to: endpointFile)
                    } catch {
                        fail(error.message)
                    }
                }
                while !service.isDone { try await Task.sleep(for: Self.pollInterval) }
                try await Task.sleep(for: Self.pollInterval)
                Self.removeEndpointFile(endpointFile)
                server.beginGracefulShutdown()
            }
            try await group.next()
            // Shutdown has begun; give in-flight calls a moment, then stop regardless of idle
            // worker connections.
            group.addTask { try await Task.sleep(for: .seconds(2)) }
            try await group.next()
            group.cancelAll()
        }
        Self.removeEndpointFile(endpointFile)
        Glibc.exit(0)
    }

    static func removeEndpointFile(_ path: String?) {
        if let path { try? LocalFiles.remove(path) }
    }

    /// SIGINT/SIGTERM: remove the endpoint file, exit 1. Handlers run on a dispatch queue.
    static func exitOnSignals(removing endpointFile: String?) -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                removeEndpointFile(endpointFile)
                Glibc.exit(1)
            }
            source.resume()
            return source
        }
    }
}

/// Set by the first ``fail(_:)`` so that concurrent failures (a bind error reaches both the
/// serving and the port-waiting task) print one line, not several.
private let failing = Atomic<Bool>(false)

/// Prints a one-line error and exits 1; a second concurrent caller waits for that exit.
func fail(_ message: String) -> Never {
    if failing.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged {
        printError(message)
        Glibc.exit(1)
    }
    while true { pause() }
}
