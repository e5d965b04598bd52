@testable import RPCHTTP2
import Testing

/// Received header bytes become the same strings whether or not they are one of the kept
/// constants.
struct CommonHeaderStringsTests {
    static func decoded(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { CommonHeaderStrings.string($0) }
    }

    @Test func eachConstantIsFoundAndOtherBytesAreDecoded() {
        for string in CommonHeaderStrings.strings { #expect(Self.decoded(Array(string.utf8)) == string) }
        // Same lengths as constants but other bytes, longer than any, empty, and invalid UTF-8.
        let others: [[UInt8]] = [
            Array("PUT".utf8), Array("POSU".utf8), Array("application/grpx".utf8), Array("201".utf8),
            Array("x-custom-metadata-key-longer-than-any-constant".utf8), [], [0xFF, 0xFE], Array(":statuz".utf8),
        ]
        for bytes in others { #expect(Self.decoded(bytes) == String(decoding: bytes, as: UTF8.self)) }
        #expect(Self.decoded([0xFF]) == "\u{FFFD}")
    }
}
