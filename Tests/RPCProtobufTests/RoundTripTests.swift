import Interop
import RPCCore
import RPCProtobuf
import Testing

/// Every grpc.testing message survives serialize → deserialize through libprotobuf-c unchanged,
/// including defaults (which pack to zero bytes), nested and repeated messages, open enums and
/// a 16 MiB payload; golden bytes pin the wire format to the protobuf encoding.
@Suite struct RoundTripTests {
    func roundTrip<Message: ProtobufCConvertible & Equatable>(_ message: Message) throws -> Message {
        let bytes = try ProtobufSerializer<Message>().serialize(message)
        return try ProtobufDeserializer<Message>().deserialize(bytes)
    }

    @Test func defaultsPackToZeroBytes() throws {
        #expect(try ProtobufSerializer<Empty>().serialize(Empty()) == [])
        #expect(try ProtobufSerializer<Payload>().serialize(Payload()) == [])
        #expect(try ProtobufSerializer<SimpleRequest>().serialize(SimpleRequest()) == [])
        #expect(try ProtobufSerializer<SimpleResponse>().serialize(SimpleResponse()) == [])
        #expect(try ProtobufSerializer<StreamingOutputCallRequest>().serialize(StreamingOutputCallRequest()) == [])
        #expect(try ProtobufDeserializer<Empty>().deserialize([]) == Empty())
        #expect(try ProtobufDeserializer<SimpleResponse>().deserialize([]) == SimpleResponse())
    }

    @Test func everyMessageRoundTrips() throws {
        let payload = Payload(type: .compressable, body: [0, 1, 2, 254, 255])
        let status = EchoStatus(code: 2, message: "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n")
        #expect(try roundTrip(Empty()) == Empty())
        #expect(try roundTrip(payload) == payload)
        #expect(try roundTrip(status) == status)
        #expect(try roundTrip(BoolValue(value: true)) == BoolValue(value: true))
        #expect(try roundTrip(BoolValue(value: false)) == BoolValue(value: false))

        let simpleRequest = SimpleRequest(
            responseType: .compressable, responseSize: 314_159, payload: payload, fillUsername: true,
            fillOauthScope: true, responseCompressed: BoolValue(value: false), responseStatus: status,
            expectCompressed: BoolValue(value: true), fillServerID: true)
        #expect(try roundTrip(simpleRequest) == simpleRequest)

        let simpleResponse = SimpleResponse(
            payload: payload, username: "user", oauthScope: "scope", serverID: "server-1", hostname: "host ☺")
        #expect(try roundTrip(simpleResponse) == simpleResponse)

        let inputRequest = StreamingInputCallRequest(payload: payload, expectCompressed: BoolValue(value: false))
        #expect(try roundTrip(inputRequest) == inputRequest)
        #expect(try roundTrip(StreamingInputCallResponse(aggregatedPayloadSize: 74_922)) == StreamingInputCallResponse(aggregatedPayloadSize: 74_922))

        let parameters = ResponseParameters(size: 31_415, intervalMicroseconds: 1_000, compressed: BoolValue(value: true))
        #expect(try roundTrip(parameters) == parameters)

        let outputRequest = StreamingOutputCallRequest(
            responseType: .compressable,
            responseParameters: [parameters, ResponseParameters(), ResponseParameters(size: 9)],
            payload: payload, responseStatus: status)
        #expect(try roundTrip(outputRequest) == outputRequest)
        #expect(try roundTrip(StreamingOutputCallResponse(payload: payload)) == StreamingOutputCallResponse(payload: payload))
    }

    @Test func presenceOfNestedMessagesIsKept() throws {
        // A present-but-default nested message differs from an absent one.
        let present = SimpleRequest(payload: Payload(), responseCompressed: BoolValue(value: false))
        let decoded = try roundTrip(present)
        #expect(decoded.payload == Payload())
        #expect(decoded.responseCompressed == BoolValue(value: false))
        #expect(decoded.responseStatus == nil)
        #expect(try ProtobufSerializer<SimpleRequest>().serialize(present) == [0x1a, 0x00, 0x32, 0x00])
    }

    @Test func unknownEnumValuesArePreserved() throws {
        let payload = Payload(type: PayloadType(rawValue: 7), body: [1])
        #expect(try roundTrip(payload) == payload)
    }

    @Test func goldenBytes() throws {
        // Field 2 (bytes, wire type 2): tag 0x12, length 3.
        #expect(try ProtobufSerializer<Payload>().serialize(Payload(body: [1, 2, 3])) == [0x12, 0x03, 1, 2, 3])
        // Field 2 (int32, wire type 0): tag 0x10; 314159 as a varint.
        #expect(try ProtobufSerializer<SimpleRequest>().serialize(SimpleRequest(responseSize: 314_159)) == [0x10, 0xaf, 0x96, 0x13])
        // Repeated message field 2 of StreamingOutputCallRequest, two elements {size: 1} and {}.
        let request = StreamingOutputCallRequest(responseParameters: [ResponseParameters(size: 1), ResponseParameters()])
        #expect(try ProtobufSerializer<StreamingOutputCallRequest>().serialize(request) == [0x12, 0x02, 0x08, 0x01, 0x12, 0x00])
    }

    @Test func sixteenMebibytePayloadRoundTrips() throws {
        var body = [UInt8](repeating: 0, count: 16 << 20)
        for index in stride(from: 0, to: body.count, by: 4096) { body[index] = UInt8(truncatingIfNeeded: index / 4096) }
        let response = SimpleResponse(payload: Payload(body: body))
        let bytes = try ProtobufSerializer<SimpleResponse>().serialize(response)
        #expect(bytes.count > 16 << 20)
        let decoded = try ProtobufDeserializer<SimpleResponse>().deserialize(bytes)
        #expect(decoded.payload?.body == body)
    }

    /// The arena carves small allocations from one slab and gives larger ones their own: bodies
    /// and strings around the slab's size, with nested and repeated messages beside them, come
    /// back intact whichever side of the boundary each lands on.
    @Test(arguments: [0, 1, 15, 16, 17, 200, 400, 480, 496, 511, 512, 513, 1_000, 70_000])
    func messagesAroundTheArenaSlabSizeRoundTrip(size: Int) throws {
        let body = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let text = String(repeating: "ab☺", count: size / 5)
        let payload = Payload(type: .compressable, body: body)
        let response = SimpleResponse(
            payload: payload, username: text, oauthScope: "scope", serverID: text, hostname: "h")
        #expect(try roundTrip(response) == response)
        let request = StreamingOutputCallRequest(
            responseType: .compressable,
            responseParameters: (0..<(size % 7 + 1)).map { ResponseParameters(size: Int32($0)) },
            payload: payload, responseStatus: EchoStatus(code: 3, message: text))
        #expect(try roundTrip(request) == request)
    }

    @Test func stringsWithNULCannotBeSerialized() {
        let error = #expect(throws: RPCError.self) {
            try ProtobufSerializer<EchoStatus>().serialize(EchoStatus(code: 2, message: "a\u{0}b"))
        }
        #expect(error?.code == .internal)
    }
}

/// Descriptors come from the generated C code through each wire type's `__init` function.
@Suite struct DescriptorTests {
    @Test func descriptorsNameTheProtobufTypes() {
        #expect(Empty.protobufCDescriptor.fullName == "grpc.testing.Empty")
        #expect(SimpleRequest.protobufCDescriptor.fullName == "grpc.testing.SimpleRequest")
        #expect(StreamingOutputCallResponse.protobufCDescriptor.fullName == "grpc.testing.StreamingOutputCallResponse")
        #expect(Payload.protobufCDescriptor == Payload.protobufCDescriptor)
        #expect(Payload.protobufCDescriptor != EchoStatus.protobufCDescriptor)
    }
}
