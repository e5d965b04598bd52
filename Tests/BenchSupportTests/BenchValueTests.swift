import BenchSupport
import Testing

/// A bench's values are recorded without their padding when well formed, and kept whole behind
/// a `!` otherwise, so that a recorded value stands for exactly one value read or written.
@Suite("Bench values")
struct BenchValueTests {
    @Test(arguments: [0, 1, 6, 64, 65_536])
    func writtenValuesAndTheirConcatenationsRecordAsTheirPrefixes(valueBytes: Int) {
        let first = BenchValue.make(client: 3, sequence: 41, valueBytes: valueBytes)
        let second = BenchValue.make(client: 12, sequence: 7, valueBytes: valueBytes)
        #expect(first.utf8.count == max(valueBytes, "c3s41;".utf8.count))
        #expect(first.hasPrefix("c3s41;") && first.utf8.dropFirst(6).allSatisfy { $0 == UInt8(ascii: ".") })
        #expect(BenchValue.recorded(first, valueBytes: valueBytes) == "c3s41;")
        #expect(BenchValue.recorded(first + second, valueBytes: valueBytes) == "c3s41;c12s7;")
        #expect(BenchValue.recorded("", valueBytes: valueBytes) == "")
    }

    @Test func malformedValuesAreKeptWholeAndMarked() {
        let value = BenchValue.make(client: 1, sequence: 2, valueBytes: 16)
        for bad in [String(value.dropLast()), value + ".", "c1s2;", String(value.dropFirst()), value + "x", ".c1s2;"] {
            #expect(BenchValue.recorded(bad, valueBytes: 16) == "!" + bad, "\(bad)")
        }
        // A value of another size (an earlier run's) is kept whole too.
        let other = BenchValue.make(client: 1, sequence: 2, valueBytes: 32)
        #expect(BenchValue.recorded(other, valueBytes: 16) == "!" + other)
    }
}
