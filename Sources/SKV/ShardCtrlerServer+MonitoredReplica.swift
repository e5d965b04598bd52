import RaftRuntime
import ShardController

extension ShardCtrlerServer: MonitoredReplica {
    func recordGauges(_ gauges: ServiceGauges) async {
        gauges.record(await replicationStatus())
    }

    /// The controller group (this member's Raft state; the controller has no `Status` RPC, so
    /// the other members are listed unprobed) and the latest configuration's shard map.
    func clusterStatus(probe: ClusterProbe, context: ReplicaContext) async -> ClusterStatus {
        let local = await context.peer.status()
        let members = context.members.map { member in
            guard member.id == context.id else {
                return ClusterStatus.Member.unreachable(
                    member.address, id: member.id, error: "not probed (the controller has no Status RPC)")
            }
            return ClusterStatus.Member(
                address: member.address, id: local.id, term: local.term, isLeader: local.isLeader,
                leaderID: local.leaderID, commitIndex: local.commitIndex, appliedIndex: local.appliedIndex,
                snapshotIndex: local.snapshotIndex)
        }
        var status = ClusterStatus(
            kind: .ctrler, observer: "ctrler node \(context.id)",
            groups: [ClusterStatus.Group(name: "ctrler", members: members)])
        do throws(ShardCtrlerClerkError) {
            let config = try await probe.controllerClerk(context.members.map(\.address)).query()
            status.configNum = config.num
            status.shards = ClusterProbe.shardMap(config, groups: [])
        } catch {
            status.problems.append("the controller group did not answer a query: \(error)")
        }
        return status
    }
}
