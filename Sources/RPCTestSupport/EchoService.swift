public import RPCCore
import Synchronization

// Shared by the RPC test suites (core, HTTP/2, interop); never linked into a product.

/// UTF-8 string coder, so core tests need no protobuf.
public struct StringCoder: MessageSerializer, MessageDeserializer {
    public init() {}
    public func serialize(_ message: String) throws(RPCError) -> [UInt8] { Array(message.utf8) }
    public func deserialize(_ bytes: [UInt8]) throws(RPCError) -> String {
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw RPCError(code: .invalidArgument, message: "not UTF-8")
        }
        return s
    }
}

/// A test service with one method of each call type plus failure helpers.
public struct EchoService: RegistrableRPCService {
    public static let get = MethodDescriptor(service: "test.Echo", method: "Get")
    public static let collect = MethodDescriptor(service: "test.Echo", method: "Collect")
    public static let expand = MethodDescriptor(service: "test.Echo", method: "Expand")
    public static let update = MethodDescriptor(service: "test.Echo", method: "Update")
    public static let fail = MethodDescriptor(service: "test.Echo", method: "Fail")
    public static let sleep = MethodDescriptor(service: "test.Echo", method: "Sleep")
    /// Echoes raw bytes (for large-message tests).
    public static let bytes = MethodDescriptor(service: "test.Echo", method: "Bytes")
    /// Sleeps for the number of milliseconds in the request, then echoes it.
    public static let delay = MethodDescriptor(service: "test.Echo", method: "Delay")

    /// Counts handlers that observed cancellation.
    public final class Counter: Sendable {
        let value = Mutex(0)
        public func increment() { value.withLock { $0 += 1 } }
        public var current: Int { value.withLock { $0 } }
    }
    public let cancelledHandlers = Counter()
    /// Counts calls of `sleep` that started.
    public let sleepersStarted = Counter()

    public init() {}

    public func registerMethods(with router: inout RPCRouter) {
        router.registerUnary(Self.bytes, deserializer: IdentityCoder(), serializer: IdentityCoder()) { request, _ in
            ServerResponse(message: request.message)
        }
        router.registerUnary(Self.delay, deserializer: StringCoder(), serializer: StringCoder()) { request, _ in
            try await Task.sleep(for: .milliseconds(Int(request.message) ?? 0))
            return ServerResponse(message: request.message)
        }
        router.registerUnary(Self.get, deserializer: StringCoder(), serializer: StringCoder()) { request, _ in
            var trailers: Metadata = [:]
            for (key, value) in request.metadata { trailers.add(value, forKey: key) }
            return ServerResponse(metadata: ["initial": .string("yes")], message: request.message, trailingMetadata: trailers)
        }
        router.registerClientStreaming(Self.collect, deserializer: StringCoder(), serializer: StringCoder()) { request, _ in
            var all: [String] = []
            for try await message in request.messages { all.append(message) }
            return ServerResponse(message: all.joined(separator: " "))
        }
        router.registerServerStreaming(Self.expand, deserializer: StringCoder(), serializer: StringCoder()) { request, _ in
            StreamingServerResponse { writer in
                for word in request.message.split(separator: " ") { try await writer.write(String(word)) }
                return ["count": .string("\(request.message.split(separator: " ").count)")]
            }
        }
        router.registerBidirectionalStreaming(Self.update, deserializer: StringCoder(), serializer: StringCoder()) { request, _ in
            StreamingServerResponse { writer in
                for try await message in request.messages { try await writer.write(message.uppercased()) }
                return [:]
            }
        }
        router.registerUnary(Self.fail, deserializer: StringCoder(), serializer: StringCoder()) { request, _ in
            throw RPCError(code: .failedPrecondition, message: request.message, metadata: ["reason": .string("asked")])
        }
        router.registerUnary(Self.sleep, deserializer: StringCoder(), serializer: StringCoder()) { [cancelledHandlers, sleepersStarted] request, _ in
            sleepersStarted.increment()
            do {
                try await Task.sleep(for: .seconds(300))
            } catch {
                cancelledHandlers.increment()
                throw error
            }
            return ServerResponse(message: request.message)
        }
    }
}
