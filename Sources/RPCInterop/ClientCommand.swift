import ArgumentParser
import Interop
import RPCCore

/// `client`: runs interop cases against a gRPC server; exits non-zero if any case fails.
struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client", abstract: "Run interop cases against a gRPC server (HTTP/2, plaintext or TLS).")

    @Option(help: "The server's address.")
    var host: String = "127.0.0.1"

    @Option(help: "The server's port.")
    var port: Int = 10000

    @OptionGroup var selection: CaseSelection

    @OptionGroup var tls: InteropTLSOptions

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be in 1...65535, got \(port)") }
    }

    func run() async throws {
        let cases = selection.cases
        let transport = try NetworkTransports.makeClient(host: host, port: port, tls: tls.transportTLS())
        let passed = await CaseRunner.run(cases, with: RPCClient(transport: transport))
        await transport.close()
        if !passed { throw ExitCode.failure }
    }
}
