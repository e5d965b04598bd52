/// `grpc.testing.PayloadType`. Proto3 enums are open, so unknown numbers are kept as they are.
public struct PayloadType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Uncompressable binary data, the only type the interop cases use.
    public static let compressable = PayloadType(rawValue: 0)

    public var description: String { self == .compressable ? "COMPRESSABLE" : "PayloadType(\(rawValue))" }
}
