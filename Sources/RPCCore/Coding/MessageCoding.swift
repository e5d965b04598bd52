/// Turns a message into the bytes of one gRPC message (without the 5-byte gRPC prefix).
///
/// Called once per message on the task that sends it. Failing to serialize is an operating
/// error reported as an ``RPCError`` (usually ``Status/Code/internal``).
public protocol MessageSerializer<Message>: Sendable {
    associatedtype Message
    func serialize(_ message: Message) throws(RPCError) -> [UInt8]
}

/// Turns the bytes of one gRPC message back into a message.
///
/// Malformed input must never crash: throw an ``RPCError`` (servers use
/// ``Status/Code/invalidArgument`` or ``Status/Code/internal``).
public protocol MessageDeserializer<Message>: Sendable {
    associatedtype Message
    func deserialize(_ bytes: [UInt8]) throws(RPCError) -> Message
}

/// A serializer and deserializer of raw bytes: the message is its own wire form.
public struct IdentityCoder: MessageSerializer, MessageDeserializer {
    public init() {}
    public func serialize(_ message: [UInt8]) throws(RPCError) -> [UInt8] { message }
    public func deserialize(_ bytes: [UInt8]) throws(RPCError) -> [UInt8] { bytes }
}
