/// Work a ShardKV driver does for one other group during a reconfiguration: pull `shards`
/// from it (``ShardKVStateMachine/pullTasks``) or tell it to delete them
/// (``ShardKVStateMachine/garbageCollectionTasks``), both for configuration `configNum`.
public struct ShardTransfer: Sendable, Hashable, CustomStringConvertible {
    /// The other group: the shards' owner in configuration `configNum - 1`.
    public var gid: UInt64
    /// That group's servers, from configuration `configNum - 1`.
    public var servers: [String]
    /// The configuration this group is moving into (the number to send in the request).
    public var configNum: UInt64
    /// Ascending shard numbers.
    public var shards: [Int]

    public init(gid: UInt64, servers: [String], configNum: UInt64, shards: [Int]) {
        self.gid = gid
        self.servers = servers
        self.configNum = configNum
        self.shards = shards
    }

    public var description: String { "gid \(gid) shards \(shards) for config #\(configNum)" }
}
