@testable import RPCHTTP2
import Testing

/// The deframer must produce the same messages whatever the chunking of its input, and must
/// reject bad prefixes before buffering the payload.
@Suite struct GRPCMessageDeframerTests {
    static let messages: [[UInt8]] = [[], [1], Array(repeating: 9, count: 300), [1, 2, 3, 4, 5, 6, 7]]

    static var stream: [UInt8] {
        var bytes: [UInt8] = []
        for m in messages { GRPCMessageFramer.frame(m, into: &bytes) }
        return bytes
    }

    @Test(arguments: [1, 2, 3, 5, 7, 64, 1000])
    func anyChunkingYieldsTheSameMessages(chunkSize: Int) throws {
        let deframer = GRPCMessageDeframer(maxMessageBytes: 1 << 20)
        var out: [[UInt8]] = []
        let bytes = Self.stream
        var i = 0
        while i < bytes.count {
            deframer.append(bytes[i..<min(i + chunkSize, bytes.count)])
            while let m = try deframer.nextMessage() { out.append(m) }
            i += chunkSize
        }
        try deframer.finish()
        #expect(out == Self.messages)
    }

    @Test func oversizedPrefixIsRejectedBeforeThePayload() {
        let deframer = GRPCMessageDeframer(maxMessageBytes: 10)
        deframer.append([0, 0, 0, 0, 11])
        #expect(throws: GRPCMessageDeframer.Failure.messageTooLarge(length: 11, limit: 10)) { try deframer.nextMessage() }
    }

    @Test func compressedFlagWithoutEncodingIsRejected() {
        let deframer = GRPCMessageDeframer(maxMessageBytes: 10)
        deframer.append([1, 0, 0, 0, 1, 0])
        #expect(throws: GRPCMessageDeframer.Failure.compressedWithoutEncoding) { try deframer.nextMessage() }
        let other = GRPCMessageDeframer(maxMessageBytes: 10)
        other.append([7, 0, 0, 0, 0])
        #expect(throws: GRPCMessageDeframer.Failure.invalidCompressionFlag(7)) { try other.nextMessage() }
    }

    @Test func endingInsideAMessageIsTruncation() throws {
        let deframer = GRPCMessageDeframer(maxMessageBytes: 100)
        deframer.append([0, 0, 0, 0, 5, 1, 2])
        #expect(try deframer.nextMessage() == nil)
        #expect(throws: GRPCMessageDeframer.Failure.truncated(buffered: 7)) { try deframer.finish() }
    }

    /// A message longer than the deframer reserves up front grows as its chunks arrive, and
    /// the messages around it come out whole.
    @Test func aMessageLongerThanTheInitialReservationArrivesWhole() throws {
        let long = (0..<(GRPCMessageDeframer.initialReservationBytes * 2 + 17)).map {
            UInt8(truncatingIfNeeded: $0 * 7)
        }
        let messages: [[UInt8]] = [[5], long, [6, 7]]
        var bytes: [UInt8] = []
        for m in messages { GRPCMessageFramer.frame(m, into: &bytes) }
        let deframer = GRPCMessageDeframer(maxMessageBytes: 1 << 20)
        var out: [[UInt8]] = []
        for start in stride(from: 0, to: bytes.count, by: 16_384) {
            deframer.append(bytes[start..<min(start + 16_384, bytes.count)])
            while let m = try deframer.nextMessage() { out.append(m) }
        }
        try deframer.finish()
        #expect(out == messages)
    }

    /// The messages before a bad prefix are delivered; then the failure, and nothing after it.
    @Test func messagesBeforeABadPrefixComeFirst() throws {
        let deframer = GRPCMessageDeframer(maxMessageBytes: 10)
        deframer.append([0, 0, 0, 0, 2, 8, 9, 0, 0, 0, 0, 11, 1, 2])
        #expect(try deframer.nextMessage() == [8, 9])
        let tooLarge = GRPCMessageDeframer.Failure.messageTooLarge(length: 11, limit: 10)
        #expect(throws: tooLarge) { try deframer.nextMessage() }
        deframer.append([0, 0, 0, 0, 1, 3])
        #expect(throws: tooLarge) { try deframer.nextMessage() }
    }
}
