public import Raft
public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.raft.SnapshotChunk`: one piece of a snapshot sent by `InstallSnapshot`.
///
/// The first chunk carries the `installSnapshot` message with its snapshot's data left empty
/// (``message``) and the data's length (``totalBytes``); every chunk carries the data bytes at
/// ``offset``. ``SnapshotChunks`` cuts a message into chunks; ``SnapshotAssembly`` puts them
/// back together and checks them.
public struct SnapshotChunk: Sendable, Equatable, ProtobufCConvertible {
    /// First chunk only: the message, its snapshot's data empty.
    public var message: Message?
    /// First chunk only: the length of the snapshot's data in bytes.
    public var totalBytes: UInt64
    /// Where ``data`` starts in the snapshot's data.
    public var offset: UInt64
    public var data: [UInt8]

    public init(message: Message? = nil, totalBytes: UInt64 = 0, offset: UInt64, data: [UInt8]) {
        self.message = message
        self.totalBytes = totalBytes
        self.offset = offset
        self.data = data
    }

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__raft__snapshot_chunk__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Raft__SnapshotChunk.self, initializer: skv__raft__snapshot_chunk__init)
        m.pointee.message = try arena.message(message.map(WireMessage.init), as: Skv__Raft__Message.self)
        m.pointee.total_bytes = totalBytes
        m.pointee.offset = offset
        let data = arena.copyBytes(data)
        m.pointee.data = ProtobufCBinaryData(len: data.count, data: data.pointer)
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage pointer: ProtobufCMessagePointer) throws(RPCError) {
        let c = pointer.assumingMemoryBound(to: Skv__Raft__SnapshotChunk.self).pointee
        message = try ProtobufCField.message(c.message, as: WireMessage.self)?.message
        totalBytes = c.total_bytes
        offset = c.offset
        data = ProtobufCField.bytes(c.data.data, count: c.data.len)
    }
}
