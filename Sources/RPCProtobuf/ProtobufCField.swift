public import RPCCore

/// Helpers that copy fields out of an unpacked protobuf-c message into Swift values, for
/// ``ProtobufCConvertible/init(protobufCMessage:)``. Everything returned is an owned copy.
public enum ProtobufCField {
    /// A `char *` string field. NULL (never produced by protobuf-c, but harmless) reads as
    /// empty; bytes that are not valid UTF-8 throw `INVALID_ARGUMENT`, as proto3 requires.
    public static func string(_ pointer: UnsafePointer<CChar>?) throws(RPCError) -> String {
        guard let pointer else { return "" }
        guard let string = String(validatingCString: pointer) else {
            throw RPCError(code: .invalidArgument, message: "A protobuf string field is not valid UTF-8.")
        }
        return string
    }

    /// A `ProtobufCBinaryData` field, given its `data` and `len`.
    public static func bytes(_ data: UnsafePointer<UInt8>?, count: Int) -> [UInt8] {
        guard let data, count > 0 else { return [] }
        return ByteCopy.array(UnsafeRawBufferPointer(start: data, count: count))
    }

    /// An optional nested message field: a NULL pointer means the field is absent.
    @inlinable
    public static func message<Message: ProtobufCConvertible, CMessage>(
        _ pointer: UnsafePointer<CMessage>?,
        as type: Message.Type = Message.self
    ) throws(RPCError) -> Message? {
        guard let pointer else { return nil }
        return try Message(protobufCMessage: ProtobufCMessagePointer(UnsafeMutablePointer(mutating: pointer)))
    }

    /// A repeated message field, given its `CMessage **` array and count. A NULL element
    /// (which protobuf-c never produces) is a protocol violation reported as `INTERNAL`.
    @inlinable
    public static func messages<Message: ProtobufCConvertible, CMessage>(
        _ array: UnsafePointer<UnsafeMutablePointer<CMessage>?>?,
        count: Int,
        as type: Message.Type = Message.self
    ) throws(RPCError) -> [Message] {
        guard count > 0 else { return [] }
        guard let array else {
            throw RPCError(code: .internal, message: "A repeated protobuf field has \(count) elements but no array.")
        }
        var result: [Message] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            guard let element = array[index] else {
                throw RPCError(code: .internal, message: "A repeated protobuf field has a NULL element.")
            }
            result.append(try Message(protobufCMessage: ProtobufCMessagePointer(element)))
        }
        return result
    }
}
