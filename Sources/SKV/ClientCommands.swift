import ArgumentParser
import KVRaft
import RPCCore
import RPCHTTP2NIO
import RSM
#if canImport(Glibc)
import Glibc
#endif

/// Options shared by the client commands.
///
/// Exit status: 0 success; 1 the key does not exist (`get`, `delete`); 2 invalid options;
/// 3 no server completed the operation within `--timeout` (unavailable or deadline); 4 the
/// server rejected the request.
struct ClientOptions: ParsableArguments {
    @Option(help: "The KV servers, HOST:PORT,... or ID=HOST:PORT,... (with ids, leader hints are followed).")
    var endpoints: String = "127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003"

    @Option(help: "Give up after this many seconds.")
    var timeout: Double = 10

    @OptionGroup var tls: TLSClientOptions

    static let exitNoKey: Int32 = 1
    static let exitUnavailable: Int32 = 3
    static let exitRejected: Int32 = 4

    func addresses() -> [Address] { servers().map(\.address) }

    /// The endpoints with their Raft ids where given (exit 2 for a malformed list).
    func servers() -> [Endpoint] {
        do throws(SKVError) {
            guard timeout > 0 else { throw SKVError("--timeout must be positive") }
            return try Endpoint.list(parsing: endpoints, option: "--endpoints")
        } catch {
            fail(error.message, status: SKVCommand.exitBadOptions)
        }
    }

    var deadline: Duration { .milliseconds(Int64(timeout * 1000)) }

    /// Runs `body` with a clerk over every endpoint; maps clerk errors to exit statuses.
    func withClerk<T>(_ body: (Clerk) async throws(ClerkError) -> T) async -> T {
        let servers = servers()
        var configuration = Clerk.Configuration()
        configuration.operationTimeout = deadline
        configuration.rpcTimeout = min(deadline, .seconds(3))
        let result: Result<T, ClerkError> = await withClientTransports(
            to: servers, tls: tls.transportTLS()
        ) { transports in
            let clerk = Clerk(
                servers: zip(servers, transports).map {
                    Clerk.Server(
                        client: KVClient(wrapping: RPCClient(transport: $1)), id: $0.id, address: "\($0.address)")
                },
                configuration: configuration)
            do throws(ClerkError) {
                return .success(try await body(clerk))
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let value): return value
        case .failure(.rejected(let error)): fail("rejected: \(error)", status: Self.exitRejected)
        case .failure(.sessionExpired(let clientID, let sequence)):
            fail("\(ClerkError.sessionExpired(clientID: clientID, sequence: sequence))", status: Self.exitRejected)
        case .failure(let error):
            let problem = await connectionProblem(servers, tls: tls.transportTLS())
            fail("unavailable: \(error)\(problem)", status: Self.exitUnavailable)
        }
    }
}

extension ClientOptions: KeyValueClientOptions {
    func get(_ key: [UInt8]) async -> [UInt8]? {
        await withClerk { clerk throws(ClerkError) in try await clerk.get(key) }
    }

    func put(_ key: [UInt8], _ value: [UInt8]) async {
        await withClerk { clerk throws(ClerkError) in try await clerk.put(key, value) }
    }

    func append(_ key: [UInt8], _ value: [UInt8]) async {
        await withClerk { clerk throws(ClerkError) in try await clerk.append(key, value) }
    }

    func delete(_ key: [UInt8]) async -> Bool {
        await withClerk { clerk throws(ClerkError) in try await clerk.delete(key) }
    }
}

/// `skv kv status`: a summary line for the group (leader, term, commit index, members
/// reachable), then one line per endpoint (id, term, role, leader, commit and applied index,
/// snapshot index, Raft state bytes, and how far its applied index trails the group's commit
/// index). Exit 3 if no endpoint answers.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show each server's Raft status.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let pool = HTTP2ClientPool(tls: options.tls.transportTLS())
        let probe = ClusterProbe(pool: pool, rpcTimeout: min(options.deadline, .seconds(3)))
        let status = await probe.kvGroup(
            options.servers().map { (id: $0.id, address: "\($0.address)") }, observer: "skv kv status")
        await pool.closeAll()
        for line in status.summaryLines { print(line) }
        guard let group = status.groups.first else { return }
        for member in group.members { print(Self.line(member, groupCommit: group.commitIndex)) }
        if group.reachableCount == 0 { Glibc.exit(ClientOptions.exitUnavailable) }
    }

    static func line(_ member: ClusterStatus.Member, groupCommit: UInt64?) -> String {
        if let error = member.error { return "\(member.address) unavailable: \(error)" }
        let text = ClusterStatus.field
        return "\(member.address) id=\(text(member.id)) term=\(text(member.term)) role=\(member.role) "
            + "leader=\(text(member.leaderID)) commit=\(text(member.commitIndex)) applied=\(text(member.appliedIndex)) "
            + "snapshot=\(text(member.snapshotIndex)) raft-state-bytes=\(text(member.raftStateBytes)) "
            + "lag=\(text(member.lag(behind: groupCommit)))"
    }
}
