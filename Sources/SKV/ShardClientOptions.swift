import ArgumentParser
import RPCCore
import RPCHTTP2NIO
import ShardController
import ShardKV

/// Options shared by `skv shard get|put|append|delete|status`, and the clerk they run on: it
/// reads the configuration from the controllers and calls the group serving the key's shard.
///
/// Exit status as for `skv kv`: 0 success; 1 the key does not exist (`get`, `delete`); 2
/// invalid options; 3 no group completed the operation within `--timeout` (unreachable, no
/// leader, or the shard has no group); 4 the server rejected the request.
struct ShardClientOptions: ParsableArguments {
    @OptionGroup var controllers: CtrlerEndpointOptions

    @Option(help: "Give up after this many seconds.")
    var timeout: Double = 10

    @OptionGroup var tls: TLSClientOptions

    var deadline: Duration { .milliseconds(Int64(timeout * 1000)) }

    /// The controllers (exit 2 for a malformed or missing list, or a timeout that is not positive).
    func servers() -> [Endpoint] {
        guard timeout > 0, timeout.isFinite else {
            fail("--timeout must be positive", status: SKVCommand.exitBadOptions)
        }
        return controllers.servers()
    }

    /// A controller clerk over `transports` that gives up after `--timeout`.
    func controllerClerk(_ servers: [Endpoint], _ transports: [HTTP2ClientTransport]) -> ShardCtrlerClerk {
        var configuration = ShardCtrlerClerk.Configuration()
        configuration.operationTimeout = deadline
        configuration.rpcTimeout = min(deadline, .seconds(1))
        return ShardCtrlerClerk(servers: servers, transports: transports, configuration: configuration)
    }

    /// The latest configuration from `controller`; exits 3 with one line if no controller
    /// answers within `--timeout` (4 if one rejects the query).
    func latestConfig(_ controller: ShardCtrlerClerk) async -> ShardConfig {
        do throws(ShardCtrlerClerkError) {
            return try await controller.query()
        } catch {
            if case .rejected(let error) = error { fail("rejected: \(error)", status: ClientOptions.exitRejected) }
            let list = servers().map { "\($0.address)" }.joined(separator: ",")
            let problem = await connectionProblem(servers(), tls: tls.transportTLS())
            fail(
                "unavailable: no shard controller (\(list)) answered within \(deadline)\(problem)",
                status: ClientOptions.exitUnavailable)
        }
    }

    /// Runs `body` with a ShardKV clerk (after checking that the controllers answer); exits 3
    /// or 4 on a clerk error.
    func withClerk<T>(_ body: (ShardKVClerk) async throws(ShardKVClerkError) -> T) async -> T {
        let servers = servers()
        var configuration = ShardKVClerk.Configuration()
        configuration.operationTimeout = deadline
        configuration.rpcTimeout = min(deadline, .seconds(1))
        let transportTLS = tls.transportTLS()
        let groups = HTTP2ClientPool(tls: transportTLS)
        let result: Result<T, ShardKVClerkError> = await withClientTransports(
            to: servers, tls: transportTLS
        ) { transports in
            let controller = controllerClerk(servers, transports)
            _ = await latestConfig(controller)
            let clerk = ShardKVClerk(
                controller: controller, makeClient: { groups.client(for: $0) }, configuration: configuration)
            do throws(ShardKVClerkError) {
                return .success(try await body(clerk))
            } catch {
                return .failure(error)
            }
        }
        await groups.closeAll()
        switch result {
        case .success(let value): return value
        case .failure(.rejected(let error)): fail("rejected: \(error)", status: ClientOptions.exitRejected)
        case .failure(.sessionExpired(let clientID, let sequence)):
            let error = ShardKVClerkError.sessionExpired(clientID: clientID, sequence: sequence)
            fail("\(error)", status: ClientOptions.exitRejected)
        case .failure(let error): fail("unavailable: \(error)", status: ClientOptions.exitUnavailable)
        }
    }
}
