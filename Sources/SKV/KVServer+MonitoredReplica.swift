import KVRaft

extension KVServer: MonitoredReplica {
    func recordGauges(_ gauges: ServiceGauges) async {
        gauges.record(await replicationStatus())
    }

    /// The KV group: every member asked for its `Status`.
    func clusterStatus(probe: ClusterProbe, context: ReplicaContext) async -> ClusterStatus {
        await probe.kvGroup(context.members, observer: "kv node \(context.id)")
    }
}

extension ReplicaContext {
    /// The group's members by id, in id order.
    var members: [(id: UInt64?, address: String)] {
        memberAddresses.sorted { $0.key < $1.key }.map { (id: $0.key, address: $0.value) }
    }
}
