import KVRaft
import Raft
import RPCCore
import RPCProtobuf
import Testing

/// `KVStateSnapshotCodec` against protobuf-c's encoding of `KVStateSnapshot`: the same bytes
/// written, each side reads the other's, and malformed bytes are an error, never a crash.
@Suite struct KVStateSnapshotCodecTests {
    /// Pairs of random keys and values (empty ones included), from a printed seed.
    static func randomPairs(seed: UInt64, count: Int) -> [(key: [UInt8], value: [UInt8])] {
        var random = SplitMix64(seed: seed)
        func next() -> UInt64 { random.next() }
        func bytes(upTo limit: UInt64) -> [UInt8] {
            (0..<Int(next() % (limit + 1))).map { _ in UInt8(truncatingIfNeeded: next()) }
        }
        // Sizes across the one- and two-byte length varints.
        return (0..<count).map { _ in (key: bytes(upTo: 20), value: bytes(upTo: 300)) }
    }

    @Test func encodesExactlyAsProtobufCAndBothDecode() throws {
        let seed = UInt64.random(in: 1...UInt64.max)
        print("KVStateSnapshotCodecTests: seed \(seed)")
        let pairs = Self.randomPairs(seed: seed, count: 500)
        let reference = try ProtobufSerializer<KVStateSnapshot>().serialize(
            KVStateSnapshot(pairs: pairs.map { KVStateSnapshot.Pair(key: $0.key, value: $0.value) }))
        let encoded = KVStateSnapshotCodec.encode(pairs)
        #expect(encoded == reference, "seed \(seed)")
        #expect(try KVStateSnapshotCodec.pairCount(reference) == pairs.count, "seed \(seed)")
        var decoded: [(key: [UInt8], value: [UInt8])] = []
        try KVStateSnapshotCodec.decode(reference) { decoded.append(($0, $1)) }
        #expect(decoded.map(\.key) == pairs.map(\.key) && decoded.map(\.value) == pairs.map(\.value), "seed \(seed)")
        let viaProtobufC = try ProtobufDeserializer<KVStateSnapshot>().deserialize(encoded)
        #expect(viaProtobufC.pairs.map(\.key) == pairs.map(\.key), "seed \(seed)")
        #expect(KVStateSnapshotCodec.encode([]) == [])
        // Appended after a prefix (a replica's snapshot header): the prefix, then the same bytes.
        var appended: [UInt8] = [0x0A, 0x00, 0x12]
        KVStateSnapshotCodec.encode(pairs, appendingTo: &appended)
        #expect(appended == [0x0A, 0x00, 0x12] + reference, "seed \(seed)")
    }

    /// Fields out of order, repeated (the last wins) and unknown (skipped, of every wire type).
    @Test func decodesAnyValidEncoding() throws {
        let bytes: [UInt8] = [
            0x10, 0x05,  // unknown varint field 2 at the top level
            0x0A, 0x13,  // pair, 19 bytes:
            0x12, 0x01, 0x76,  // value "v"
            0x18, 0x96, 0x01,  // unknown varint field 3
            0x0A, 0x01, 0x61,  // key "a"
            0x21, 1, 2, 3, 4, 5, 6, 7, 8,  // unknown fixed64 field 4
            0x0A, 0x01, 0x62,  // key "b": the last wins
        ]
        var decoded: [(key: [UInt8], value: [UInt8])] = []
        // 19 bytes announced, 21 present: the declared length bounds the pair.
        var fixed = bytes
        fixed[3] = 0x15
        try KVStateSnapshotCodec.decode(fixed) { decoded.append(($0, $1)) }
        #expect(decoded.count == 1 && decoded[0].key == [0x62] && decoded[0].value == [0x76])
        // The unknown top-level field is not a pair.
        #expect(try KVStateSnapshotCodec.pairCount(fixed) == 1)
        // With the short length, the pair ends between the last key's tag and its length.
        #expect(throws: RPCError.self) { try KVStateSnapshotCodec.decode(bytes) { _, _ in } }
    }

    @Test(arguments: [
        [0x0A, 0x10, 0x01],  // a pair longer than the bytes left
        [0x0A],  // a length missing
        [0x0A, 0x02, 0x0A, 0x05],  // a key longer than its pair
        [0x0B],  // wire type 3 (groups)
        [0x00],  // field number 0
        [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],  // an 11-byte varint
        [0x0D, 0x01],  // a fixed32 cut short
    ] as [[UInt8]])
    func rejectsMalformedBytes(_ bytes: [UInt8]) {
        #expect(throws: RPCError.self) { try KVStateSnapshotCodec.decode(bytes) { _, _ in } }
    }

    /// `pairCount` reads only the top level: bytes malformed there are refused; a pair
    /// malformed inside (a key longer than its pair) still counts, and `decode` refuses it.
    @Test(arguments: [
        [0x0A, 0x10, 0x01],  // a pair longer than the bytes left
        [0x0A],  // a length missing
        [0x0B],  // wire type 3 (groups)
        [0x00],  // field number 0
        [0x0D, 0x01],  // a fixed32 cut short
    ] as [[UInt8]])
    func pairCountRejectsMalformedTopLevels(_ bytes: [UInt8]) {
        #expect(throws: RPCError.self) { try KVStateSnapshotCodec.pairCount(bytes) }
    }

    @Test func pairCountDoesNotLookInsidePairs() throws {
        #expect(try KVStateSnapshotCodec.pairCount([0x0A, 0x02, 0x0A, 0x05]) == 1)
        #expect(try KVStateSnapshotCodec.pairCount([]) == 0)
    }
}
