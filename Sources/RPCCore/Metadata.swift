/// An ordered multimap of call metadata (gRPC custom headers and trailers).
///
/// Keys are lowercase ASCII (HTTP/2 requires it; ``addString(_:forKey:)`` lowercases).
/// Keys ending in `-bin` carry binary values, which transports base64-encode on the wire;
/// all other keys carry printable ASCII strings. Reserved keys (pseudo-headers, `grpc-*`
/// transport keys, `content-type`, `te`, ...) are owned by the transport and dropped when a
/// transport encodes metadata.
public struct Metadata: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// One metadata value: a string, or bytes for `-bin` keys.
    public enum Value: Sendable, Hashable, CustomStringConvertible {
        case string(String)
        case binary([UInt8])

        public var description: String {
            switch self {
            case .string(let s): return s
            case .binary(let b): return "<\(b.count) bytes>"
            }
        }
    }

    public typealias Element = (key: String, value: Value)

    private var elements: [Element]

    public init() { self.elements = [] }

    public init(dictionaryLiteral elements: (String, Value)...) {
        self.elements = []
        for (key, value) in elements { add(value, forKey: key) }
    }

    public var count: Int { elements.count }
    public var isEmpty: Bool { elements.isEmpty }

    /// Appends a value; the key is lowercased. A binary value needs a `-bin` key and a string
    /// value a non-`-bin` key: violating that is a programmer error.
    public mutating func add(_ value: Value, forKey key: String) {
        let key = key.lowercased()
        switch value {
        case .binary:
            precondition(key.hasSuffix("-bin"), "binary metadata needs a '-bin' key, got '\(key)'")
        case .string:
            precondition(!key.hasSuffix("-bin"), "string metadata must not use a '-bin' key: '\(key)'")
        }
        elements.append((key, value))
    }

    public mutating func addString(_ value: String, forKey key: String) {
        add(.string(value), forKey: key)
    }

    public mutating func addBinary(_ value: [UInt8], forKey key: String) {
        add(.binary(value), forKey: key)
    }

    /// Replaces all values of `key` with one value.
    public mutating func replace(_ value: Value, forKey key: String) {
        removeAll(forKey: key)
        add(value, forKey: key)
    }

    public mutating func removeAll(forKey key: String) {
        let key = key.lowercased()
        elements.removeAll { $0.key == key }
    }

    /// All values of `key`, in insertion order.
    public subscript(key: String) -> [Value] {
        let key = key.lowercased()
        return elements.filter { $0.key == key }.map(\.value)
    }

    /// The string values of `key`.
    public subscript(stringValues key: String) -> [String] {
        self[key].compactMap { if case .string(let s) = $0 { return s } else { return nil } }
    }

    /// The binary values of `key`.
    public subscript(binaryValues key: String) -> [[UInt8]] {
        self[key].compactMap { if case .binary(let b) = $0 { return b } else { return nil } }
    }

    public func makeIterator() -> IndexingIterator<[Element]> { elements.makeIterator() }

    public static func == (lhs: Metadata, rhs: Metadata) -> Bool {
        lhs.elements.count == rhs.elements.count
            && zip(lhs.elements, rhs.elements).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for element in elements {
            hasher.combine(element.key)
            hasher.combine(element.value)
        }
    }
}
