import ArgumentParser
import RPCCore
import RPCHTTP2NIO
import ShardController

/// `--ctrlers HOST:PORT,...`: the shard controller group, for every command that talks to it
/// (`skv ctrler join|leave|move|query`, `skv shard serve`, the `skv shard` clients).
struct CtrlerEndpointOptions: ParsableArguments {
    @Option(
        name: .customLong("ctrlers"),
        help: "The shard controllers, HOST:PORT,... or ID=HOST:PORT,... (repeatable; every member of the group).")
    var ctrlers: [String] = []

    /// The controllers from every `--ctrlers` option (exit 2 for a malformed or missing list).
    func servers() -> [Endpoint] {
        do throws(SKVError) {
            guard !ctrlers.isEmpty else { throw SKVError("--ctrlers is required (HOST:PORT,...)") }
            var servers: [Endpoint] = []
            for list in ctrlers { servers += try Endpoint.list(parsing: list, option: "--ctrlers") }
            return servers
        } catch {
            fail(error.message, status: SKVCommand.exitBadOptions)
        }
    }
}

extension ShardCtrlerClerk {
    /// A clerk over `transports` (one per server, in order; the caller closes them).
    init(servers: [Endpoint], transports: [HTTP2ClientTransport], configuration: Configuration) {
        self.init(
            servers: zip(servers, transports).map {
                Server(
                    client: ShardCtrlerClient(wrapping: RPCClient(transport: $1)), id: $0.id,
                    address: "\($0.address)")
            },
            configuration: configuration)
    }
}
