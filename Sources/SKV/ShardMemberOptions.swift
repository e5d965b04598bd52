import ArgumentParser
import RaftRuntime
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

    /// The controllers' configuration lists the group's servers (clients and the other groups
    /// reach it through them): after a change they become the members' addresses, in id order
    /// (`SetServers`, a configuration that moves no shard). Exits 3 with one line if no
    /// controller takes it within `--timeout` (the membership change itself has applied).
    func membershipChanged(_ membership: Membership) async {
        let addresses = membership.members.compactMap(\.address)
        guard !addresses.isEmpty else { return }
        let servers = client.servers()
        let outcome: Result<ShardCtrlerOutcome, ShardCtrlerClerkError> = await withClientTransports(
            to: servers, tls: tls.transportTLS()
        ) { transports in
            do throws(ShardCtrlerClerkError) {
                let controller = client.controllerClerk(servers, transports)
                return .success(try await controller.setServers([gid: addresses]).outcome)
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case .success(.ok): return
        case .success(let other):
            warn("note: group \(gid)'s servers were not recorded in the controllers' configuration (\(other))")
        case .failure(let error):
            fail(
                "the membership change applied, but the controllers did not record group \(gid)'s servers "
                    + "(\(addresses.joined(separator: ","))): \(error)", status: ClientOptions.exitUnavailable)
        }
    }

    var serveCommand: String {
        let ctrlers = client.controllers.ctrlers.isEmpty ? ["<CTRLERS>"] : client.controllers.ctrlers
        return "skv shard serve --gid \(gid) " + ctrlers.map { "--ctrlers \($0)" }.joined(separator: " ")
    }
}
