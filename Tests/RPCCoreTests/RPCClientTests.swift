import RPCCore
import RPCTestSupport
import Testing

/// `RPCClient.unary` reads responses on its own path (issue 15): for every response a server or
/// transport can produce it must give what the general path (`clientStreaming`, through
/// `bidirectionalStreaming` and the collecting callback) gives — the same message and metadata,
/// or the same error — and write the same request parts.
@Suite("RPC client")
struct RPCClientTests {
    /// A transport that answers every call with `parts` and records what the call wrote.
    struct ScriptedTransport: ClientTransport {
        let parts: [RPCResponsePart]
        let written = Written()

        actor Written {
            var parts: [String] = []
            var finished = false
            func record(_ new: [RPCRequestPart], finishing: Bool) {
                for part in new {
                    switch part {
                    case .metadata(let metadata): parts.append("metadata \(metadata)")
                    case .message(let bytes): parts.append("message \(bytes)")
                    }
                }
                if finishing { finished = true }
            }
        }

        func withStream<Result: Sendable>(
            descriptor: MethodDescriptor, options: CallOptions, _ body: @Sendable (ClientStream) async throws -> Result
        ) async throws -> Result {
            let written = self.written
            let writer = RPCWriter<RPCRequestPart> { await written.record([$0], finishing: false) }
            let outbound = ClosableRPCWriter(writer: writer, finish: { await written.record([], finishing: true) })
            return try await body(
                ClientStream(descriptor: descriptor, inbound: .elements(parts), outbound: outbound))
        }

        func close() async {}
    }

    static let descriptor = MethodDescriptor(service: "test.Echo", method: "Get")
    static let ok = Status.ok
    static let failed = Status(code: .notFound, message: "no such key")

    /// Each response script, named for the test's output.
    static let scripts: [(String, [RPCResponsePart])] = [
        (
            "metadata, message, OK",
            [.metadata(["a": .string("1")]), .message(Array("hi".utf8)), .status(ok, ["t": .string("2")])]
        ),
        ("trailers-only OK", [.status(ok, ["t": .string("2")])]),
        ("trailers-only error", [.status(failed, ["t": .string("2")])]),
        ("message before metadata", [.message(Array("hi".utf8)), .status(ok, [:])]),
        ("two messages", [.metadata([:]), .message(Array("a".utf8)), .message(Array("b".utf8)), .status(ok, [:])]),
        ("metadata, OK, no message", [.metadata([:]), .status(ok, [:])]),
        ("metadata twice", [.metadata([:]), .metadata([:]), .status(ok, [:])]),
        (
            "message, then error status",
            [.metadata([:]), .message(Array("hi".utf8)), .status(failed, ["t": .string("3")])]
        ),
        ("ends without a status", [.metadata([:]), .message(Array("hi".utf8))]),
        ("ends at once", []),
        ("message that does not decode", [.metadata([:]), .message([0xFF, 0xFE]), .status(ok, [:])]),
    ]

    /// Strings as UTF-8, refusing bytes that are not.
    struct StrictStringCoder: MessageSerializer, MessageDeserializer {
        func serialize(_ message: String) throws(RPCError) -> [UInt8] { Array(message.utf8) }
        func deserialize(_ bytes: [UInt8]) throws(RPCError) -> String {
            guard let string = String(validating: bytes, as: UTF8.self) else {
                throw RPCError(code: .internal, message: "not UTF-8")
            }
            return string
        }
    }

    @Test(arguments: 0..<scripts.count)
    func unaryMatchesTheGeneralPath(script: Int) async {
        let (name, parts) = Self.scripts[script]
        let request = ClientRequest(message: "ask", metadata: ["m": .string("1")])
        let fast = ScriptedTransport(parts: parts)
        let unary = await CallOutcome.of {
            try await RPCClient(transport: fast).unary(
                request: request, descriptor: Self.descriptor, serializer: StrictStringCoder(),
                deserializer: StrictStringCoder())
        }
        let general = ScriptedTransport(parts: parts)
        let streaming = await CallOutcome.of {
            try await RPCClient(transport: general).clientStreaming(
                request: StreamingClientRequest(single: request), descriptor: Self.descriptor,
                serializer: StrictStringCoder(), deserializer: StrictStringCoder())
        }
        #expect(!unary.isUnexpected && !streaming.isUnexpected, "\(name)")
        #expect(unary == streaming, "\(name)")
        let expected = ["metadata \(["m": .string("1")] as Metadata)", "message \(Array("ask".utf8))"]
        #expect(await fast.written.parts == expected, "\(name)")
        #expect(await fast.written.parts == general.written.parts, "\(name)")
        #expect(await fast.written.finished, "\(name)")
        if script == 0 {
            #expect(unary == .response(metadata: ["a": .string("1")], message: "hi", trailers: ["t": .string("2")]))
        }
    }
}
