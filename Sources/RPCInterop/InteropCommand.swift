import ArgumentParser

/// `skv-rpc-interop`: the gRPC interop server and client of swift-skv.
///
/// `server` serves `grpc.testing.TestService`; `client` runs the standard interop cases against
/// any gRPC server (ours or a reference implementation); `self-test` runs the cases against our
/// own server in one process over the in-process transport. `server` and `client` use the
/// HTTP/2 transport, chosen in `NetworkTransports` (this executable is a composition root).
@main
struct InteropCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skv-rpc-interop",
        abstract: "gRPC interoperability server and client for swift-skv.",
        subcommands: [ServerCommand.self, ClientCommand.self, SelfTestCommand.self])
}
