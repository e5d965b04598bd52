import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// `skv ctrler status`: the latest configuration's number, a summary line for the controller
/// group (leader, term, commit index, members reachable), the shard map, then one line per
/// controller (id, term, role, leader, commit and applied index, applied configuration, lag).
/// Exit 3 if no controller answers.
struct CtrlerStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show each controller's Raft status and the latest shard map.")
    @OptionGroup var options: CtrlerClientOptions

    func run() async throws {
        let pool = HTTP2ClientPool(tls: options.tls.transportTLS())
        let probe = ClusterProbe(pool: pool, rpcTimeout: min(options.deadline, .seconds(3)))
        let status = await probe.ctrlerCluster(
            options.servers().map { (id: $0.id, address: "\($0.address)") }, observer: "skv ctrler status")
        await pool.closeAll()
        for line in status.summaryLines { print(line) }
        guard let group = status.groups.first else { return }
        let text = ClusterStatus.field
        for member in group.members {
            guard member.error == nil else {
                print("\(member.address) unavailable: \(member.error ?? "")")
                continue
            }
            print(
                "\(member.address) id=\(text(member.id)) term=\(text(member.term)) role=\(member.role) "
                    + "leader=\(text(member.leaderID)) commit=\(text(member.commitIndex)) "
                    + "applied=\(text(member.appliedIndex)) config=\(text(member.configNum)) "
                    + "lag=\(text(member.lag(behind: group.commitIndex)))")
        }
        if group.reachableCount == 0 { Glibc.exit(ClientOptions.exitUnavailable) }
    }
}
