import Raft
import RaftRuntime
import RPCCore
import RPCProtobuf
import Testing

/// `InstallSnapshot`'s two ends without a transport: `SnapshotChunks` cuts a message, and
/// `SnapshotAssembly` puts it back together or refuses a stream that is not one snapshot in order.
@Suite struct SnapshotAssemblyTests {
    static func message(dataBytes: Int) -> Message {
        let metadata = Snapshot.Metadata(
            index: 41, term: 7, confState: ConfState(voters: [1, 2, 3], learners: [4]), context: Array("book".utf8))
        let data = (0..<dataBytes).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        return Message(
            type: .installSnapshot, from: 1, to: 4, term: 7, snapshot: Snapshot(metadata: metadata, data: data))
    }

    /// Cut, encoded and decoded (protobuf-c), assembled: the same message, whatever the sizes.
    @Test(arguments: [(0, 5), (1, 5), (10, 5), (11, 5), (4, 1), (100_003, 4096), (1 << 20, 1 << 20)])
    func roundTrips(dataBytes: Int, chunkBytes: Int) throws {
        let message = Self.message(dataBytes: dataBytes)
        let chunks = Array(SnapshotChunks(message, chunkBytes: chunkBytes))
        #expect(chunks.count == max(1, (dataBytes + chunkBytes - 1) / chunkBytes))
        #expect(chunks.allSatisfy { $0.data.count <= chunkBytes })
        #expect(chunks[0].message?.snapshot?.data == [] && chunks[0].totalBytes == UInt64(dataBytes))
        var assembly = SnapshotAssembly(maxBytes: 1 << 21)
        for chunk in chunks {
            let bytes = try ProtobufSerializer<SnapshotChunk>().serialize(chunk)
            let decoded = try ProtobufDeserializer<SnapshotChunk>().deserialize(bytes)
            #expect(decoded == chunk)
            try assembly.append(decoded)
        }
        #expect(try assembly.finish() == message)
    }

    /// Each way a stream can be wrong is refused with a reason, never a crash or a wrong snapshot.
    @Test func refusesStreamsThatAreNotOneSnapshotInOrder() throws {
        let message = Self.message(dataBytes: 10)
        let chunks = Array(SnapshotChunks(message, chunkBytes: 4))  // 4 + 4 + 2 bytes
        func refusal(_ stream: [SnapshotChunk], maxBytes: Int = 100) -> RPCError? {
            var assembly = SnapshotAssembly(maxBytes: maxBytes)
            do {
                for chunk in stream { try assembly.append(chunk) }
                _ = try assembly.finish()
                return nil
            } catch {
                return error
            }
        }
        var headless = chunks[0]
        headless.message = nil
        var notASnapshot = chunks[0]
        notASnapshot.message?.type = .appendEntries
        var withData = chunks[0]
        withData.message?.snapshot?.data = [1]
        var secondWithHeader = chunks[1]
        secondWithHeader.message = message
        var gap = chunks[1]
        gap.offset = 5
        var overlong = chunks[2]
        overlong.data = [1, 2, 3]
        let cases: [(String, [SnapshotChunk], Int, Status.Code)] = [
            ("no chunks", [], 100, .invalidArgument),
            ("first chunk without its message", [headless], 100, .invalidArgument),
            ("not an installSnapshot", [notASnapshot], 100, .invalidArgument),
            ("header carrying data", [withData], 100, .invalidArgument),
            ("over the limit", [chunks[0]], 9, .resourceExhausted),
            ("a second header", [chunks[0], secondWithHeader], 100, .invalidArgument),
            ("a gap", [chunks[0], gap], 100, .invalidArgument),
            ("out of order", [chunks[0], chunks[2], chunks[1]], 100, .invalidArgument),
            ("a repeated chunk", [chunks[0], chunks[1], chunks[1], chunks[2]], 100, .invalidArgument),
            ("past the announced length", [chunks[0], chunks[1], overlong], 100, .invalidArgument),
            ("ended early", [chunks[0], chunks[1]], 100, .invalidArgument),
        ]
        for (name, stream, maxBytes, code) in cases {
            let error = refusal(stream, maxBytes: maxBytes)
            #expect(error?.code == code, "\(name): \(String(describing: error))")
        }
        #expect(refusal(chunks, maxBytes: 10) == nil)
    }
}
