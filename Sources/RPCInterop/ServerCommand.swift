import ArgumentParser
import Dispatch
import Interop
import RPCCore
#if canImport(Glibc)
import Glibc
#endif

/// `server`: serves `grpc.testing.TestService` (standard interop behaviour) until SIGINT or
/// SIGTERM, then shuts down gracefully.
///
/// Prints `listening on HOST:PORT` once the port is bound (useful with `--port 0`).
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server", abstract: "Serve grpc.testing.TestService over gRPC (HTTP/2, plaintext or TLS).")

    @Option(help: "The address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "The port to listen on (0 picks a free port).")
    var port: Int = 10000

    @OptionGroup var tls: InteropTLSOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535, got \(port)") }
        guard (tls.certificate == nil) == (tls.key == nil), tls.ca == nil || tls.certificate != nil else {
            throw ValidationError("a TLS server needs --tls-cert and --tls-key (--tls-ca asks for client certificates)")
        }
    }

    func run() async throws {
        let listener = try NetworkTransports.makeServer(host: host, port: port, tls: tls.transportTLS())
        let server = RPCServer(transport: listener.transport, services: [TestServiceImplementation()])
        // Signal handlers only flag the dispatch source; shutdown runs on its queue.
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let signalSources = [SIGINT, SIGTERM].map { number in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { server.beginGracefulShutdown() }
            source.resume()
            return source
        }
        defer { signalSources.forEach { $0.cancel() } }
        let host = self.host
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            group.addTask {
                let port = try await listener.listeningPort()
                emit("listening on \(host):\(port)")
            }
            try await group.waitForAll()
        }
    }
}
