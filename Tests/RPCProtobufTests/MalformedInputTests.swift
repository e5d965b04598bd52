import Interop
import RPCCore
import RPCProtobuf
import Testing

/// Malformed bytes must never crash the deserializer: each case below is rejected by
/// libprotobuf-c (or by the Swift UTF-8 check) and surfaces as `INVALID_ARGUMENT`.
@Suite struct MalformedInputTests {
    static let malformed: [(name: String, bytes: [UInt8])] = [
        ("garbage", [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
        ("field number 0", [0x00, 0x01]),
        ("truncated varint", [0x10, 0xaf, 0x96]),
        ("truncated length-delimited payload", [0x1a, 0x05, 0x12, 0x03, 0x01]),
        ("length past the end", [0x1a, 0x7f, 0x00]),
        ("wrong wire type for a message field", [0x1d, 0x00, 0x00, 0x00, 0x00]),
        ("wrong wire type for an int32 field", [0x12, 0x01, 0x00]),
        ("malformed nested payload", [0x1a, 0x02, 0xff, 0xff]),
        ("invalid UTF-8 in a nested string", [0x3a, 0x03, 0x12, 0x01, 0xff]),
        ("unterminated group", [0x0b]),
    ]

    @Test(arguments: malformed.map(\.name))
    func malformedSimpleRequestIsInvalidArgument(name: String) {
        let bytes = Self.malformed.first { $0.name == name }!.bytes
        let error = #expect(throws: RPCError.self) {
            try ProtobufDeserializer<SimpleRequest>().deserialize(bytes)
        }
        #expect(error?.code == .invalidArgument)
    }

    @Test func everyTruncationOfAValidMessageFailsCleanly() throws {
        let request = StreamingOutputCallRequest(
            responseParameters: [ResponseParameters(size: 31_415, intervalMicroseconds: 10)],
            payload: Payload(body: [1, 2, 3, 4]), responseStatus: EchoStatus(code: 2, message: "msg"))
        let bytes = try ProtobufSerializer<StreamingOutputCallRequest>().serialize(request)
        for length in 1..<bytes.count {
            // A prefix either fails to parse or parses into a different message (cut on a field
            // boundary); it must never crash or decode into the original.
            let prefix = Array(bytes[..<length])
            if let decoded = try? ProtobufDeserializer<StreamingOutputCallRequest>().deserialize(prefix) {
                #expect(decoded != request, "prefix of \(length) bytes decoded into the full message")
            }
        }
        #expect(try ProtobufDeserializer<StreamingOutputCallRequest>().deserialize(bytes) == request)
    }

    @Test func invalidUTF8InAStringIsInvalidArgument() {
        let error = #expect(throws: RPCError.self) {
            try ProtobufDeserializer<EchoStatus>().deserialize([0x12, 0x02, 0xc3, 0x28])
        }
        #expect(error?.code == .invalidArgument)
    }

    @Test func unknownFieldsAreSkipped() throws {
        // Field 15 (varint) is not in SimpleResponse: proto3 parsers must skip it.
        let decoded = try ProtobufDeserializer<SimpleResponse>().deserialize([0x78, 0x01, 0x12, 0x01, 0x41])
        #expect(decoded == SimpleResponse(username: "A"))
    }
}
