import ArgumentParser
import Interop
import RPCCore
import RPCInProcess

/// `self-test`: our client against our server in one process, over the in-process transport.
struct SelfTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "self-test",
        abstract: "Run the interop cases against the built-in server over the in-process transport.")

    @OptionGroup var selection: CaseSelection

    func run() async throws {
        let cases = selection.cases
        let (serverTransport, clientTransport) = InProcessTransport.makePair()
        let server = RPCServer(transport: serverTransport, services: [TestServiceImplementation()])
        let passed = await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            defer { server.beginGracefulShutdown() }
            return await CaseRunner.run(cases, with: RPCClient(transport: clientTransport))
        }
        if !passed { throw ExitCode.failure }
    }
}
