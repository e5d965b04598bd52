public import Raft
public import RPCCore

/// The receiving end of `InstallSnapshot`: puts ``SnapshotChunk``s back into the
/// `installSnapshot` message they were cut from, refusing a stream that is not one snapshot in
/// order (each refusal an `INVALID_ARGUMENT` or `RESOURCE_EXHAUSTED` error naming what was
/// wrong). Sans-I/O: the service feeds it the chunks as they arrive.
public struct SnapshotAssembly: Sendable {
    /// Largest snapshot data accepted, in bytes.
    public let maxBytes: Int
    private var header: Message?
    private var data: [UInt8] = []
    private var totalBytes = 0

    public init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    /// Adds the next chunk.
    public mutating func append(_ chunk: SnapshotChunk) throws(RPCError) {
        if header == nil {
            guard let message = chunk.message else {
                throw Self.refused("the first snapshot chunk carries no message")
            }
            guard message.type == .installSnapshot, let snapshot = message.snapshot else {
                throw Self.refused("the first snapshot chunk's message is not an installSnapshot with a snapshot")
            }
            guard snapshot.data.isEmpty else {
                throw Self.refused("the first snapshot chunk's message carries data of its own")
            }
            guard chunk.totalBytes <= UInt64(maxBytes) else {
                throw RPCError(
                    code: .resourceExhausted,
                    message: "A snapshot of \(chunk.totalBytes) bytes exceeds the limit of \(maxBytes) bytes.")
            }
            header = message
            totalBytes = Int(chunk.totalBytes)
            data.reserveCapacity(totalBytes)
        } else if chunk.message != nil || chunk.totalBytes != 0 {
            throw Self.refused("a snapshot chunk after the first carries a message or a length")
        }
        guard chunk.offset == UInt64(data.count) else {
            throw Self.refused("a snapshot chunk at offset \(chunk.offset) where \(data.count) bytes were received")
        }
        guard chunk.data.count <= totalBytes - data.count else {
            throw Self.refused("snapshot chunks past the announced \(totalBytes) bytes")
        }
        data.append(contentsOf: chunk.data)
    }

    /// The message, once the stream has ended.
    public func finish() throws(RPCError) -> Message {
        guard var message = header else { throw Self.refused("a snapshot stream without chunks") }
        guard data.count == totalBytes else {
            throw Self.refused("a snapshot stream ended after \(data.count) of \(totalBytes) bytes")
        }
        message.snapshot?.data = data
        return message
    }

    private static func refused(_ reason: String) -> RPCError {
        RPCError(code: .invalidArgument, message: "Refused InstallSnapshot: \(reason).")
    }
}
