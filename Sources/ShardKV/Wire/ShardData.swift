public import RPCCore
public import RPCProtobuf
package import RSM
internal import CProtobufC
internal import CProtos

/// `skv.shardkv.ShardData`: one shard's contents as they move between groups and into
/// snapshots — its pairs sorted by key and its de-duplication records sorted by client id, so
/// every replica produces identical bytes. The records travel with the pairs: a write that the
/// previous owner applied is recognised as a duplicate by the new owner (exactly-once survives
/// migration).
public struct ShardData: Sendable, Hashable, ProtobufCConvertible {
    /// `skv.shardkv.KeyValue`.
    public struct Pair: Sendable, Hashable, ProtobufCConvertible {
        public var key: [UInt8]
        public var value: [UInt8]

        public init(key: [UInt8], value: [UInt8]) {
            self.key = key
            self.value = value
        }

        public static var protobufCDescriptor: ProtobufCDescriptor {
            ProtobufCDescriptor(initializer: skv__shardkv__key_value__init)
        }

        public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
            let m = arena.allocate(Skv__Shardkv__KeyValue.self, initializer: skv__shardkv__key_value__init)
            m.pointee.key = WireBytes.field(key, in: arena)
            m.pointee.value = WireBytes.field(value, in: arena)
            return ProtobufCMessagePointer(m)
        }

        public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
            let c = message.assumingMemoryBound(to: Skv__Shardkv__KeyValue.self).pointee
            self.init(key: WireBytes.value(c.key), value: WireBytes.value(c.value))
        }
    }

    /// The shard number, `0..<ShardConfig.shardCount`.
    public var shard: Int
    /// Sorted by key, keys distinct.
    public var pairs: [Pair]
    /// Sorted by client id, client ids distinct.
    package var sessions: [SessionRecord]

    package init(shard: Int, pairs: [Pair], sessions: [SessionRecord]) {
        self.shard = shard
        self.pairs = pairs
        self.sessions = sessions
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardkv__shard_data__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Shardkv__ShardData.self, initializer: skv__shardkv__shard_data__init)
        m.pointee.shard = UInt32(shard)
        m.pointee.n_pairs = pairs.count
        m.pointee.pairs = try arena.messages(pairs, as: Skv__Shardkv__KeyValue.self)
        m.pointee.n_sessions = sessions.count
        m.pointee.sessions = try arena.messages(sessions, as: Skv__Rsm__SessionRecord.self)
        return ProtobufCMessagePointer(m)
    }

    /// Rejects (`INVALID_ARGUMENT`) a shard number out of range, and a session record whose
    /// cached reply is not an `skv.shardkv.CommandResult` or whose client id is 0 (the data
    /// comes from another group: a bad record must be refused here, not trap when a retry
    /// later hits it).
    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Shardkv__ShardData.self).pointee
        let sessions = try ProtobufCField.messages(c.sessions, count: c.n_sessions, as: SessionRecord.self)
        for record in sessions {
            guard record.clientID != 0 else {
                throw RPCError(code: .invalidArgument, message: "A shard session record with client id 0.")
            }
            _ = try ProtobufDeserializer<ShardKVCommandResult>().deserialize(record.reply)
        }
        self.init(
            shard: try WireShards.shard(c.shard),
            pairs: try ProtobufCField.messages(c.pairs, count: c.n_pairs, as: Pair.self),
            sessions: sessions)
    }
}
