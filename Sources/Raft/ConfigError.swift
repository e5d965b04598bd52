/// Why a `Config` was rejected by `Config.validate()`.
public enum ConfigError: Error, Hashable, Sendable {
    /// `id` is 0, which is reserved for "no node".
    case invalidID
    /// A count or limit that must be at least 1.
    case nonPositive(field: String, value: Int)
    /// Followers would time out between two heartbeats of a healthy leader.
    case electionTimeoutNotAboveHeartbeat(electionTimeoutTicks: Int, heartbeatIntervalTicks: Int)
    /// `ReadOnlyOption.leaseBased` without `checkQuorum` (voters would not honour the lease).
    case leaseReadsNeedCheckQuorum
    /// A `ReadOnlyOption.leaseBased` clock drift outside 0...100 percent.
    case clockDriftOutOfRange(percent: Int)
    /// A brand-new node (empty hard state) whose storage names a membership without it.
    case notAVoter(id: UInt64, voters: [UInt64])
}
