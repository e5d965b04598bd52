/// The header names and values that every gRPC call repeats, as string constants: a received
/// field equal to one of them becomes that constant instead of a newly decoded `String` (a UTF-8
/// check per field, and an allocation above 15 bytes, as for `application/grpc`). The constants
/// are immortal, so passing them around costs no reference counting either.
enum CommonHeaderStrings {
    /// The names and values kept, as received on the wire (HTTP/2 header names are lowercase).
    static let strings: [String] = [
        // Request pseudo-headers and headers.
        ":method", "POST", ":scheme", "http", "https", ":path", ":authority", "content-type",
        "application/grpc", "application/grpc+proto", "te", "trailers", "user-agent", "grpc-timeout",
        "grpc-encoding", "grpc-accept-encoding", "identity",
        // Response headers and trailers.
        ":status", "200", "grpc-status", "0", "grpc-message",
    ]

    /// The constants by length in bytes, each with its bytes for comparing.
    private static let byLength: [[(bytes: [UInt8], string: String)]] = {
        var table = Array(repeating: [(bytes: [UInt8], string: String)](), count: strings.map(\.utf8.count).max()! + 1)
        for string in strings { table[string.utf8.count].append((Array(string.utf8), string)) }
        return table
    }()

    /// `bytes` as a string: a constant if they equal one, otherwise decoded (invalid UTF-8
    /// repaired, as `String(decoding:as:)` does).
    static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let table = byLength
        if bytes.count < table.count {
            for candidate in table[bytes.count] where equal(candidate.bytes, bytes) { return candidate.string }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func equal(_ known: [UInt8], _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        known.withUnsafeBufferPointer { known in
            for index in 0..<known.count where known[index] != bytes[index] { return false }
            return true
        }
    }
}
