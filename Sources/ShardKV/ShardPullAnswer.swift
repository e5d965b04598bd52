/// How a group answers another group's PullShards request
/// (``ShardKVStateMachine/answerPull(configNum:shards:)``).
public enum ShardPullAnswer: Sendable, Hashable {
    /// The group is in the requested configuration and holds every requested shard in state
    /// ``ShardStatus/bePulled``: their data, in request order, each with its session records.
    case ready([ShardData])
    /// The group is not in the requested configuration, or no longer holds some requested
    /// shard (already deleted after an earlier pull): the requester retries later, and drops
    /// the retry once its own state no longer waits for the shards.
    case notReady(currentConfigNum: UInt64)
}
