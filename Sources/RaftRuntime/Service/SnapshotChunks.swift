public import Raft

/// An `installSnapshot` message cut into ``SnapshotChunk``s of at most `chunkBytes` data bytes
/// each, in order (the first carries the message, its snapshot's data empty). A snapshot with
/// no data is one chunk. Each chunk copies its bytes only when it is made, so a sender holds
/// one chunk at a time beside the snapshot it already has.
public struct SnapshotChunks: Sequence, Sendable {
    public let message: Message
    public let chunkBytes: Int

    /// - Precondition: `message` carries a snapshot; `chunkBytes` > 0.
    public init(_ message: Message, chunkBytes: Int) {
        precondition(message.snapshot != nil, "SnapshotChunks needs a message carrying a snapshot")
        precondition(chunkBytes > 0, "a chunk holds at least one byte")
        self.message = message
        self.chunkBytes = chunkBytes
    }

    /// How many chunks the message makes.
    public var underestimatedCount: Int {
        let bytes = message.snapshot?.data.count ?? 0
        return Swift.max(1, (bytes + chunkBytes - 1) / chunkBytes)
    }

    public struct Iterator: IteratorProtocol {
        let message: Message
        let data: [UInt8]
        let chunkBytes: Int
        var offset = 0
        var first = true

        public mutating func next() -> SnapshotChunk? {
            guard first || offset < data.count else { return nil }
            let end = Swift.min(offset + chunkBytes, data.count)
            var chunk = SnapshotChunk(offset: UInt64(offset), data: Array(data[offset..<end]))
            if first {
                var header = message
                header.snapshot?.data = []
                chunk.message = header
                chunk.totalBytes = UInt64(data.count)
                first = false
            }
            offset = end
            return chunk
        }
    }

    public func makeIterator() -> Iterator {
        Iterator(message: message, data: message.snapshot?.data ?? [], chunkBytes: chunkBytes)
    }
}
