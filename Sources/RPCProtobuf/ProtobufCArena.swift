public import RPCCore

/// Owns every C allocation made while building one message for packing, and frees them all
/// at once.
///
/// Created by ``ProtobufSerializer`` for one `serialize` call and handed to
/// ``ProtobufCConvertible/makeProtobufCMessage(in:)``, which allocates the message struct,
/// nested structs, strings, bytes and repeated-field arrays here and links them together with
/// plain pointers. The serializer packs the result and then calls ``deallocateAll()`` (from a
/// `defer`), the only place any of this memory is freed; `deinit` frees whatever is left if an
/// arena is abandoned. Pointers handed out are valid until then, and protobuf-c only reads
/// them, so Swift's allocator (not `malloc`) is used throughout.
///
/// Small allocations are carved from one slab of ``slabBytes`` (a message's struct, its short
/// strings and bytes, its nested structs: one allocation instead of one each, which had been
/// two to four per message on every call's request and reply); larger ones get their own.
///
/// Thread-confined to the serializing task: not `Sendable`.
public final class ProtobufCArena {
    /// Size of the slab small allocations share, in bytes (a KV command with a 256-byte value
    /// fits).
    static let slabBytes = 512
    /// Alignment of every slab allocation (enough for any generated C struct).
    static let slabAlignment = 16

    /// Allocations too large for the slab, each freed on its own.
    private var allocations: [UnsafeMutableRawPointer] = []
    private var slab: UnsafeMutableRawPointer?
    private var slabUsed = 0

    init() {}

    deinit {
        deallocateAll()
        slab?.deallocate()
    }

    /// Frees every allocation; the arena can be reused afterwards (its slab is kept).
    /// Idempotent.
    func deallocateAll() {
        for allocation in allocations { allocation.deallocate() }
        allocations.removeAll(keepingCapacity: true)
        slabUsed = 0
    }

    /// `byteCount` bytes aligned for any C type (`alignment`, that of the type to be stored,
    /// at most ``slabAlignment``), from the slab if they fit.
    private func allocateRaw(byteCount: Int, alignment: Int = 1) -> UnsafeMutableRawPointer {
        precondition(
            alignment <= Self.slabAlignment, "a C type aligned to \(alignment) bytes cannot live in the arena")
        let rounded = (byteCount + Self.slabAlignment - 1) & ~(Self.slabAlignment - 1)
        if rounded <= Self.slabBytes - slabUsed {
            let base =
                slab ?? UnsafeMutableRawPointer.allocate(byteCount: Self.slabBytes, alignment: Self.slabAlignment)
            slab = base
            defer { slabUsed += rounded }
            return base + slabUsed
        }
        let memory = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: Self.slabAlignment)
        allocations.append(memory)
        return memory
    }

    /// Allocates one C message struct and initializes it with its generated `<prefix>__init`
    /// function (which sets `base.descriptor` and every field's default).
    public func allocate<CMessage>(
        _ type: CMessage.Type,
        initializer: (UnsafeMutablePointer<CMessage>) -> Void
    ) -> UnsafeMutablePointer<CMessage> {
        let message = allocateRaw(byteCount: MemoryLayout<CMessage>.stride, alignment: MemoryLayout<CMessage>.alignment)
            .bindMemory(to: CMessage.self, capacity: 1)
        // Generated C structs are trivial types, so the initializer may write the whole struct
        // into uninitialized memory, and deallocation needs no deinitialization.
        initializer(message)
        return message
    }

    /// Allocates an uninitialized array of `count` elements of a trivial C type (for example
    /// the `T **` array of a repeated message field). Returns `nil` when `count` is 0, which is
    /// what protobuf-c expects for an empty repeated field.
    public func allocateArray<Element>(of type: Element.Type, count: Int) -> UnsafeMutablePointer<Element>? {
        precondition(count >= 0, "negative array size \(count)")
        guard count > 0 else { return nil }
        return allocateRaw(byteCount: MemoryLayout<Element>.stride * count, alignment: MemoryLayout<Element>.alignment)
            .bindMemory(to: Element.self, capacity: count)
    }

    /// Copies `string` as a NUL-terminated UTF-8 C string, for a `char *` field.
    ///
    /// Throws `INTERNAL` if the string contains NUL: protobuf-c measures strings with `strlen`,
    /// so it would silently truncate them.
    public func copyString(_ string: String) throws(RPCError) -> UnsafeMutablePointer<CChar> {
        let utf8 = Array(string.utf8)
        guard !utf8.contains(0) else {
            throw RPCError(code: .internal, message: "A protobuf-c string field cannot contain NUL characters.")
        }
        let buffer = allocateRaw(byteCount: utf8.count + 1).bindMemory(to: CChar.self, capacity: utf8.count + 1)
        utf8.withUnsafeBytes { bytes in
            UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress!, byteCount: utf8.count)
        }
        buffer[utf8.count] = 0
        return buffer
    }

    /// Copies `bytes` for a `ProtobufCBinaryData` field (`len` = `count`, `data` = `pointer`).
    /// Empty input yields `(0, nil)`, which is protobuf-c's default.
    public func copyBytes(_ bytes: [UInt8]) -> (count: Int, pointer: UnsafeMutablePointer<UInt8>?) {
        guard !bytes.isEmpty else { return (0, nil) }
        let buffer = allocateRaw(byteCount: bytes.count).bindMemory(to: UInt8.self, capacity: bytes.count)
        bytes.withUnsafeBytes { source in
            ByteCopy.copy(to: UnsafeMutableRawPointer(buffer), from: source.baseAddress!, count: source.count)
        }
        return (bytes.count, buffer)
    }

    /// Builds a nested message field: the C struct of `message`, typed as `CMessage`.
    ///
    /// `CMessage` must be the struct type of `Message`'s descriptor (the field's declared
    /// type); the serializer cannot check this for nested messages, so name it carefully.
    @inlinable
    public func message<Message: ProtobufCConvertible, CMessage>(
        _ message: Message,
        as type: CMessage.Type
    ) throws(RPCError) -> UnsafeMutablePointer<CMessage> {
        try build(message, as: type)
    }

    /// The inlinable builders' shared step; not inlinable itself, as it reads the C descriptor
    /// (`CProtobufC` stays an internal import).
    @usableFromInline
    func build<Message: ProtobufCConvertible, CMessage>(
        _ message: Message,
        as type: CMessage.Type
    ) throws(RPCError) -> UnsafeMutablePointer<CMessage> {
        let built = try message.makeProtobufCMessage(in: self)
        precondition(
            built.descriptor == Message.protobufCDescriptor.pointer,
            "\(Message.self).makeProtobufCMessage built a message of another type")
        return built.assumingMemoryBound(to: type)
    }

    /// Builds an optional nested message field: `nil` stays a NULL pointer (field absent).
    @inlinable
    public func message<Message: ProtobufCConvertible, CMessage>(
        _ message: Message?,
        as type: CMessage.Type
    ) throws(RPCError) -> UnsafeMutablePointer<CMessage>? {
        guard let message else { return nil }
        return try build(message, as: type)
    }

    /// Builds a repeated message field: the `CMessage **` array (`nil` when empty); its count
    /// is `messages.count`.
    ///
    /// Inlinable (as the other generic builders here and `ProtobufCField`'s readers), so that
    /// a conformance's module specializes it for its types: unspecialized, every call looked
    /// up the metadata of `Optional<UnsafeMutablePointer<CMessage>>` and of the enumerated
    /// iterator at run time — once the apply batches landed, the largest source of
    /// generic-metadata lookups in a follower's profile (issue 15).
    @inlinable
    public func messages<Message: ProtobufCConvertible, CMessage>(
        _ messages: [Message],
        as type: CMessage.Type
    ) throws(RPCError) -> UnsafeMutablePointer<UnsafeMutablePointer<CMessage>?>? {
        guard let array = allocateArray(of: UnsafeMutablePointer<CMessage>?.self, count: messages.count) else {
            return nil
        }
        for (index, element) in messages.enumerated() {
            (array + index).initialize(to: try build(element, as: type))
        }
        return array
    }
}
