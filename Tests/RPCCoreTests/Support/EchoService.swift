import RPCCore
import Synchronization

/// UTF-8 string coder, so core tests need no protobuf.
struct StringCoder: MessageSerializer, MessageDeserializer {
    func serialize(_ message: String) throws(RPCError) -> [UInt8] { Array(message.utf8) }
    func deserialize(_ bytes: [UInt8]) throws(RPCError) -> String {
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw RPCError(code: .invalidArgument, message: "not UTF-8")
        }
        return s
    }
}

/// A test service with one method of each call type plus failure helpers.
struct EchoService: RegistrableRPCService {
    static let get = MethodDescriptor(service: "test.Echo", method: "Get")
    static let collect = MethodDescriptor(service: "test.Echo", method: "Collect")
    static let expand = MethodDescriptor(service: "test.Echo", method: "Expand")
    static let update = MethodDescriptor(service: "test.Echo", method: "Update")
    static let fail = MethodDescriptor(service: "test.Echo", method: "Fail")
    static let sleep = MethodDescriptor(service: "test.Echo", method: "Sleep")

    /// Counts handlers that observed cancellation.
    final class Counter: Sendable {
        let value = Mutex(0)
        func increment() { value.withLock { $0 += 1 } }
        var current: Int { value.withLock { $0 } }
    }
    let cancelledHandlers = Counter()

    func registerMethods(with router: inout RPCRouter) {
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
        router.registerUnary(Self.sleep, deserializer: StringCoder(), serializer: StringCoder()) { [cancelledHandlers] request, _ in
            do {
                try await Task.sleep(for: .seconds(30))
            } catch {
                cancelledHandlers.increment()
                throw error
            }
            return ServerResponse(message: request.message)
        }
    }
}
