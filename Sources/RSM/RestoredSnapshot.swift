public import RPCCore
import RPCProtobuf

/// The service snapshot a replica restarts from: the index it covers and the bytes the
/// ``ReplicatedStateMachine`` wrote (its session table and the service state).
public struct RestoredSnapshot: Sendable, Hashable {
    public var index: UInt64
    public var data: [UInt8]

    public init(index: UInt64, data: [UInt8]) {
        self.index = index
        self.data = data
    }

    /// Extracts the service snapshot from the snapshot blob a `RaftPeer` persisted through its
    /// `RaftStateStore` (`readSnapshot()`); `nil` for an empty blob (no snapshot yet).
    ///
    /// Until `RaftPeer` hands out the snapshot it restarted from, this is how a restarting
    /// service finds it. Throws `INVALID_ARGUMENT` for a blob that does not decode.
    public init?(persistedRaftSnapshot blob: [UInt8]) throws(RPCError) {
        guard !blob.isEmpty else { return nil }
        let snapshot = try ProtobufDeserializer<PersistedRaftSnapshot>().deserialize(blob)
        guard snapshot.index > 0 else { return nil }
        self.init(index: snapshot.index, data: snapshot.data)
    }
}
