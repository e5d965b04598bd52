import ArgumentParser
import RPCCore
import RPCHTTP2NIO
import ShardController

/// Options shared by `skv ctrler join|leave|move|query`, and the clerk they run on.
///
/// Exit status: 0 success; 1 the controller refused the change (a group that already exists,
/// an unknown gid, a Leave that would leave shards without a group); 2 invalid options (also a
/// shard out of range or gid 0); 3 no controller completed the operation within `--timeout`
/// (unreachable or no leader); 4 the controller rejected the request.
struct CtrlerClientOptions: ParsableArguments {
    @OptionGroup var controllers: CtrlerEndpointOptions

    @Option(help: "Give up after this many seconds.")
    var timeout: Double = 10

    @OptionGroup var tls: TLSClientOptions

    /// Exit status when the controller refused the change.
    static let exitRefused: Int32 = 1

    /// The controllers from every `--ctrlers` option (exit 2 for a malformed or missing list,
    /// or a timeout that is not positive).
    func servers() -> [Endpoint] {
        guard timeout > 0, timeout.isFinite else {
            fail("--timeout must be positive", status: SKVCommand.exitBadOptions)
        }
        return controllers.servers()
    }

    var deadline: Duration { .milliseconds(Int64(timeout * 1000)) }

    /// Runs `body` with a clerk over every controller; exits 3 or 4 on a clerk error.
    func withClerk<T>(_ body: (ShardCtrlerClerk) async throws(ShardCtrlerClerkError) -> T) async -> T {
        let servers = servers()
        var configuration = ShardCtrlerClerk.Configuration()
        configuration.operationTimeout = deadline
        configuration.rpcTimeout = min(deadline, .seconds(3))
        let result: Result<T, ShardCtrlerClerkError> = await withClientTransports(
            to: servers, tls: tls.transportTLS()
        ) { transports in
            let clerk = ShardCtrlerClerk(servers: servers, transports: transports, configuration: configuration)
            do throws(ShardCtrlerClerkError) {
                return .success(try await body(clerk))
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let value): return value
        case .failure(.rejected(let error)): fail("rejected: \(error)", status: ClientOptions.exitRejected)
        case .failure(.sessionExpired(let clientID, let sequence)):
            let error = ShardCtrlerClerkError.sessionExpired(clientID: clientID, sequence: sequence)
            fail("\(error)", status: ClientOptions.exitRejected)
        case .failure(.wouldOrphanShards):
            fail(
                "refused: no group would remain to serve the shards (their data would be unowned); "
                    + "pass --force to leave anyway", status: Self.exitRefused)
        case .failure(let error):
            let problem = await connectionProblem(servers, tls: tls.transportTLS())
            fail("unavailable: \(error)\(problem)", status: ClientOptions.exitUnavailable)
        }
    }

    /// Runs a Join, Leave or Move naming `gids`; prints `message` and the new configuration's
    /// number on `.ok`, exits 1 with the refusal otherwise.
    func change(
        _ message: String, gids: [UInt64],
        _ body: (ShardCtrlerClerk) async throws(ShardCtrlerClerkError) -> ChangeReply
    ) async {
        let reply = await withClerk(body)
        let named = gids.count == 1 ? "group \(gids[0])" : "one of the groups \(gidList(gids))"
        switch reply.outcome {
        case .ok:
            print("\(message): configuration \(reply.configNum)")
        case .groupExists:
            fail("refused: \(named) has already joined", status: Self.exitRefused)
        case .noGroup:
            fail("refused: \(named) is not in the latest configuration", status: Self.exitRefused)
        case .wrongLeader, .timeout, .invalidCommand, .wouldOrphanShards, .sessionExpired:
            fail("refused: the controller answered \(reply.outcome)", status: ClientOptions.exitRejected)
        }
    }
}

/// `1, 2, 3`.
func gidList(_ gids: [UInt64]) -> String { gids.map(String.init).joined(separator: ", ") }
