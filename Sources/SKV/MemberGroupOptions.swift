import ArgumentParser
import RaftRuntime
import RPCCore

/// What `skv kv|ctrler|shard member …` need from a group's client options: the group's
/// replicas, how long to try, TLS, and how a new member of the group is started.
///
/// Exit status of the member commands: 0 success; 1 the group refused the change (an id
/// already a member or removed before, an unknown id, a change that would leave the healthy
/// voters without a quorum, another change still pending); 2 invalid options or arguments;
/// 3 no leader completed the request within `--timeout` (unreachable, no leader, or the change
/// not applied in time); 4 a server rejected the request (malformed, or over TLS a certificate
/// that is not a member's).
protocol MemberGroupOptions: ParsableArguments {
    /// The group's replicas' addresses (`HOST:PORT`); exits 2 for malformed options (3 when
    /// they must be looked up and cannot be).
    func memberAddresses() async -> [String]
    /// `--timeout`.
    var deadline: Duration { get }
    var tls: TLSClientOptions { get }
    /// The command that runs one replica of the group (`skv kv serve`, …), for the start line
    /// `member add` prints.
    var serveCommand: String { get }
    /// Called once a change applied, with the resulting membership (a ShardKV group records
    /// its members' addresses in the controllers' configuration). Default: nothing.
    func membershipChanged(_ membership: Membership) async
}

extension MemberGroupOptions {
    func membershipChanged(_ membership: Membership) async {}

    /// Runs `body` with a clerk over the group's replicas (following leader hints within
    /// `--timeout`); exits with the member commands' status and one `skv:` line on an error.
    func withMembershipClerk<T>(
        _ body: (MembershipClerk) async throws(MembershipClerkError) -> T
    ) async -> T {
        let addresses = await memberAddresses()
        let pool = HTTP2ClientPool(tls: tls.transportTLS())
        var configuration = MembershipClerk.Configuration()
        configuration.operationTimeout = deadline
        configuration.listRPCTimeout = min(deadline, configuration.listRPCTimeout)
        let clerk = MembershipClerk(servers: addresses, configuration: configuration) {
            MembershipClient(wrapping: pool.client(for: $0))
        }
        let result: Result<T, MembershipClerkError>
        do throws(MembershipClerkError) {
            result = .success(try await body(clerk))
        } catch {
            result = .failure(error)
        }
        await pool.closeAll()
        switch result {
        case .success(let value): return value
        case .failure(let error):
            switch error {
            case .refused, .wouldLoseQuorum, .changePending:
                fail("\(error)", status: MemberCommandGroup<Self>.exitRefused)
            case .rejected: fail("\(error)", status: ClientOptions.exitRejected)
            case .timeout: fail("\(error)", status: ClientOptions.exitUnavailable)
            // The last problem names the replica and its error (a refused connection, TLS, …).
            case .unavailable: fail("unavailable: \(error)", status: ClientOptions.exitUnavailable)
            }
        }
    }
}

extension ClientOptions: MemberGroupOptions {
    func memberAddresses() async -> [String] { servers().map { "\($0.address)" } }
    var serveCommand: String { "skv kv serve" }
}

extension CtrlerClientOptions: MemberGroupOptions {
    func memberAddresses() async -> [String] { servers().map { "\($0.address)" } }
    var serveCommand: String { "skv ctrler serve" }
}
