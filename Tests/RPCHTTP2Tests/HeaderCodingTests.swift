@testable import RPCHTTP2
import RPCCore
import Testing

/// grpc-timeout, grpc-message percent-encoding and base64 `-bin` values, against the gRPC
/// HTTP/2 protocol's rules.
@Suite struct HeaderCodingTests {
    @Test(arguments: [
        ("1H", Duration.seconds(3600)), ("2M", .seconds(120)), ("3S", .seconds(3)),
        ("4m", .milliseconds(4)), ("5u", .microseconds(5)), ("6n", .nanoseconds(6)), ("99999999S", .seconds(99_999_999)),
    ])
    func timeoutParses(value: String, expected: Duration) {
        #expect(GRPCTimeout.parse(value) == expected)
    }

    @Test(arguments: ["", "S", "1", "1x", "-1S", "123456789S", "1.5S", " 1S"])
    func malformedTimeoutIsRejected(value: String) {
        #expect(GRPCTimeout.parse(value) == nil)
    }

    @Test(arguments: [Duration.milliseconds(1), .seconds(1), .seconds(30), .milliseconds(1500), .seconds(86_400 * 365), .nanoseconds(1)])
    func timeoutEncodingRoundTripsWithoutShortening(duration: Duration) throws {
        let encoded = GRPCTimeout.encode(duration)
        #expect(encoded.utf8.count <= 9)
        let decoded = try #require(GRPCTimeout.parse(encoded))
        #expect(decoded >= duration)
    }

    @Test func percentEncodingRoundTrips() {
        let message = "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n 100%"
        let encoded = PercentEncoding.encode(message)
        #expect(encoded.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E })
        #expect(PercentEncoding.decode(encoded) == message)
        #expect(PercentEncoding.decode("bad %zz and %4") == "bad %zz and %4")
    }

    @Test(arguments: [[UInt8](), [0], [0, 1], [0, 1, 2], Array(0...255)])
    func base64RoundTrips(bytes: [UInt8]) {
        let encoded = Base64.encode(bytes)
        #expect(!encoded.contains("="))
        #expect(Base64.decode(encoded) == bytes)
    }

    @Test func base64AcceptsPaddingAndRejectsJunk() {
        #expect(Base64.decode("AAE=") == [0, 1])
        #expect(Base64.decode("AAE") == [0, 1])
        #expect(Base64.decode("A") == nil)
        #expect(Base64.decode("A*==") == nil)
    }

    @Test func reservedHeadersNeverBecomeMetadata() throws {
        var fields: [HeaderField] = []
        GRPCHeaders.append(["x-user": .string("1"), "grpc-status": .string("0"), "te": .string("x")], to: &fields)
        #expect(fields == [HeaderField("x-user", "1")])
        let metadata = try GRPCHeaders.metadata(from: [HeaderField(":path", "/a/b"), HeaderField("x-y-bin", "AAE"), HeaderField("content-type", "application/grpc")]).get()
        #expect(metadata.count == 1)
        #expect(metadata[binaryValues: "x-y-bin"] == [[0, 1]])
    }

    @Test func everyReservedNameAndPseudoHeaderIsTheTransportsAndNothingElse() {
        for name in GRPCHeaders.reserved + [":path", ":status", ":x"] {
            #expect(GRPCHeaders.isTransportField(name), "\(name)")
        }
        for name in ["", "t", "tf", "user-agent", "x-grpc-status", "grpc-statuz", "host2", "content-typ", "x:y"] {
            #expect(!GRPCHeaders.isTransportField(name), "\(name)")
        }
        var fields: [HeaderField] = []
        GRPCHeaders.append(["te": .string("x"), "grpc-message": .string("y"), "k": .string("v")], to: &fields)
        #expect(fields == [HeaderField("k", "v")])
    }
}
