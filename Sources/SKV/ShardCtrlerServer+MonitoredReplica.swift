import ShardController

extension ShardCtrlerServer: MonitoredReplica {
    func recordGauges(_ gauges: ServiceGauges) async {
        gauges.record(await replicationStatus())
    }

    /// The controller group (every member asked for its `Status`) and the latest
    /// configuration's shard map.
    func clusterStatus(probe: ClusterProbe, context: ReplicaContext) async -> ClusterStatus {
        await probe.ctrlerCluster(context.members, observer: "ctrler node \(context.id)")
    }
}
