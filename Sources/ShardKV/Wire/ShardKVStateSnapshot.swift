public import RPCCore
public import RPCProtobuf
public import ShardController
internal import CProtobufC
internal import CProtos

/// `skv.shardkv.StateSnapshot`: a group's current and previous configurations and every shard
/// it holds, ascending by shard number (so replicas write identical bytes). Decoding rejects
/// (`INVALID_ARGUMENT`) missing configurations, a shard listed twice and unknown statuses.
public struct ShardKVStateSnapshot: Sendable, Hashable, ProtobufCConvertible {
    /// `skv.shardkv.ShardEntry`: a held shard's status and data (no pairs or sessions while
    /// ``ShardStatus/pulling``).
    public struct Entry: Sendable, Hashable, ProtobufCConvertible {
        public var status: ShardStatus
        public var data: ShardData

        public init(status: ShardStatus, data: ShardData) {
            self.status = status
            self.data = data
        }

        public static var protobufCDescriptor: ProtobufCDescriptor {
            ProtobufCDescriptor(initializer: skv__shardkv__shard_entry__init)
        }

        public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
            let m = arena.allocate(Skv__Shardkv__ShardEntry.self, initializer: skv__shardkv__shard_entry__init)
            m.pointee.status = status.wireValue
            let wireData: UnsafeMutablePointer<Skv__Shardkv__ShardData> = try arena.message(
                data, as: Skv__Shardkv__ShardData.self)
            m.pointee.data = wireData
            return ProtobufCMessagePointer(m)
        }

        public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
            let c = message.assumingMemoryBound(to: Skv__Shardkv__ShardEntry.self).pointee
            status = try ShardStatus(wireValue: c.status)
            guard let data = try ProtobufCField.message(c.data, as: ShardData.self) else {
                throw RPCError(code: .invalidArgument, message: "A shard entry without data.")
            }
            self.data = data
        }
    }

    public var current: ShardConfig
    public var previous: ShardConfig
    /// Ascending by shard number, each shard at most once.
    public var entries: [Entry]
    /// Where each shard's data was when ``current`` was installed (see
    /// `ShardKVStateMachine.sources`); `nil` in snapshots written before the field existed.
    public var sources: ShardConfig?

    public init(current: ShardConfig, previous: ShardConfig, entries: [Entry], sources: ShardConfig? = nil) {
        self.current = current
        self.previous = previous
        self.entries = entries
        self.sources = sources
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardkv__state_snapshot__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Shardkv__StateSnapshot.self, initializer: skv__shardkv__state_snapshot__init)
        let wireCurrent: UnsafeMutablePointer<Skv__Shardctrler__Config> = try arena.message(
            current, as: Skv__Shardctrler__Config.self)
        let wirePrevious: UnsafeMutablePointer<Skv__Shardctrler__Config> = try arena.message(
            previous, as: Skv__Shardctrler__Config.self)
        m.pointee.current = wireCurrent
        m.pointee.previous = wirePrevious
        m.pointee.n_shards = entries.count
        m.pointee.shards = try arena.messages(entries, as: Skv__Shardkv__ShardEntry.self)
        m.pointee.sources = try arena.message(sources, as: Skv__Shardctrler__Config.self)
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Shardkv__StateSnapshot.self).pointee
        guard let current = try ProtobufCField.message(c.current, as: ShardConfig.self),
            let previous = try ProtobufCField.message(c.previous, as: ShardConfig.self)
        else {
            throw RPCError(code: .invalidArgument, message: "A ShardKV snapshot without its configurations.")
        }
        let entries = try ProtobufCField.messages(c.shards, count: c.n_shards, as: Entry.self)
        guard Set(entries.map(\.data.shard)).count == entries.count else {
            throw RPCError(code: .invalidArgument, message: "A ShardKV snapshot lists a shard twice.")
        }
        let sources = try ProtobufCField.message(c.sources, as: ShardConfig.self)
        self.init(current: current, previous: previous, entries: entries, sources: sources)
    }
}
