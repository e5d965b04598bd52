public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.kv.StateSnapshot`: every key and value, sorted by key (so replicas write identical
/// bytes).
public struct KVStateSnapshot: Sendable, Hashable, ProtobufCConvertible {
    /// `skv.kv.KeyValue`.
    public struct Pair: Sendable, Hashable, ProtobufCConvertible {
        public var key: [UInt8]
        public var value: [UInt8]

        public init(key: [UInt8], value: [UInt8]) {
            self.key = key
            self.value = value
        }

        public static var protobufCDescriptor: ProtobufCDescriptor {
            ProtobufCDescriptor(initializer: skv__kv__key_value__init)
        }

        public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
            let m = arena.allocate(Skv__Kv__KeyValue.self, initializer: skv__kv__key_value__init)
            m.pointee.key = WireBytes.field(key, in: arena)
            m.pointee.value = WireBytes.field(value, in: arena)
            return ProtobufCMessagePointer(m)
        }

        public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
            let c = message.assumingMemoryBound(to: Skv__Kv__KeyValue.self).pointee
            self.init(key: WireBytes.value(c.key), value: WireBytes.value(c.value))
        }
    }

    public var pairs: [Pair]

    public init(pairs: [Pair]) { self.pairs = pairs }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__kv__state_snapshot__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Kv__StateSnapshot.self, initializer: skv__kv__state_snapshot__init)
        m.pointee.n_pairs = pairs.count
        m.pointee.pairs = try arena.messages(pairs, as: Skv__Kv__KeyValue.self)
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Kv__StateSnapshot.self).pointee
        pairs = try ProtobufCField.messages(c.pairs, count: c.n_pairs, as: Pair.self)
    }
}
