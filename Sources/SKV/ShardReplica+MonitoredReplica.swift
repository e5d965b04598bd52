import ShardController
import ShardKV

extension ShardReplica: MonitoredReplica {
    func recordGauges(_ gauges: ServiceGauges) async {
        let (configNum, states, sessions) = await server.inspect { machine in
            (
                machine.currentConfig.num, (0..<ShardConfig.shardCount).compactMap { machine.status(ofShard: $0) },
                machine.sessionCount
            )
        }
        gauges.record(sessions: sessions)
        self.gauges.record(configNum: configNum, states: states)
    }

    /// The whole sharded cluster: the controller group, its latest configuration and every
    /// group in it.
    func clusterStatus(probe: ClusterProbe, context: ReplicaContext) async -> ClusterStatus {
        await probe.shardCluster(
            ctrlers: controllerAddresses, observer: "shard group \(server.gid) node \(context.id)")
    }
}
