import ArgumentParser
import ShardController

/// `skv shard member … --group G`: the ShardKV replica group G, its replicas looked up in the
/// controller's latest configuration (`--ctrlers`), or given directly with `--endpoints`
/// (a group the controller does not list yet).
struct ShardMemberOptions: ParsableArguments {
    @Option(name: .customLong("group"), help: "The replica group's id (its gid).")
    var gid: UInt64

    @Option(help: "The group's replicas, HOST:PORT,... (instead of asking the controllers for them).")
    var endpoints: String?

    @OptionGroup var client: ShardClientOptions

    var deadline: Duration { client.deadline }
    var tls: TLSClientOptions { client.tls }
}

extension ShardMemberOptions: MemberGroupOptions {
    func memberAddresses() async -> [String] {
        guard gid != ShardConfig.noGroup else { fail("--group must be positive", status: SKVCommand.exitBadOptions) }
        if let endpoints {
            do throws(SKVError) {
                guard client.timeout > 0, client.timeout.isFinite else { throw SKVError("--timeout must be positive") }
                return try Endpoint.list(parsing: endpoints, option: "--endpoints").map { "\($0.address)" }
            } catch {
                fail(error.message, status: SKVCommand.exitBadOptions)
            }
        }
        let servers = client.servers()
        let config = await withClientTransports(to: servers, tls: tls.transportTLS()) { transports in
            await client.latestConfig(client.controllerClerk(servers, transports))
        }
        guard let members = config.groups[gid], !members.isEmpty else {
            fail(
                "unavailable: group \(gid) is not in the latest configuration (\(config.num)); "
                    + "give its replicas with --endpoints", status: ClientOptions.exitUnavailable)
        }
        return members
    }

    var serveCommand: String {
        let ctrlers = client.controllers.ctrlers.isEmpty ? ["<CTRLERS>"] : client.controllers.ctrlers
        return "skv shard serve --gid \(gid) " + ctrlers.map { "--ctrlers \($0)" }.joined(separator: " ")
    }
}
