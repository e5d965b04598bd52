import RPCCore
import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// The two fields of `skv.raft.Snapshot` (the blob `RaftPeer` persists as its snapshot) that a
/// restarting service needs: the index it covers and the service's data. Decode only.
struct PersistedRaftSnapshot: ProtobufCConvertible {
    var index: UInt64
    var data: [UInt8]

    static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__raft__snapshot__init)
    }

    func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Raft__Snapshot.self, initializer: skv__raft__snapshot__init)
        let metadata = arena.allocate(Skv__Raft__SnapshotMetadata.self, initializer: skv__raft__snapshot_metadata__init)
        metadata.pointee.index = index
        m.pointee.metadata = metadata
        let data = arena.copyBytes(data)
        m.pointee.data = ProtobufCBinaryData(len: data.count, data: data.pointer)
        return ProtobufCMessagePointer(m)
    }

    init(index: UInt64, data: [UInt8]) {
        self.index = index
        self.data = data
    }

    init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Raft__Snapshot.self).pointee
        index = c.metadata?.pointee.index ?? 0
        data = ProtobufCField.bytes(c.data.data, count: c.data.len)
    }
}
