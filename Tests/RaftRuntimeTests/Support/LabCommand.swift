/// Lab commands are integers (or, in TestRPCBytes2B, strings) encoded as bytes.
enum LabCommand {
    static func encode(_ value: Int) -> [UInt8] {
        withUnsafeBytes(of: Int64(value).littleEndian) { Array($0) }
    }

    static func decode(_ bytes: [UInt8]) -> Int? {
        guard bytes.count == 8 else { return nil }
        var value: Int64 = 0
        for (i, b) in bytes.enumerated() { value |= Int64(b) << (8 * Int64(i)) }
        return Int(value)
    }

    /// The 2022 snapshot format: the last included index, then every applied command
    /// 0...index (index 0 is a placeholder), each as a length-prefixed byte string.
    static func encodeSnapshot(index: UInt64, log: [UInt64: [UInt8]]) -> [UInt8] {
        var out = withUnsafeBytes(of: index.littleEndian) { Array($0) }
        for i in 0...index {
            let command = log[i] ?? []
            out += withUnsafeBytes(of: UInt32(command.count).littleEndian) { Array($0) }
            out += command
        }
        return out
    }

    static func decodeSnapshot(_ bytes: [UInt8]) -> (index: UInt64, log: [UInt64: [UInt8]])? {
        guard bytes.count >= 8 else { return nil }
        var index: UInt64 = 0
        for i in 0..<8 { index |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        var log: [UInt64: [UInt8]] = [:]
        var p = 8
        for i in 0...index {
            guard p + 4 <= bytes.count else { return nil }
            var n = 0
            for k in 0..<4 { n |= Int(bytes[p + k]) << (8 * k) }
            p += 4
            guard p + n <= bytes.count else { return nil }
            if i > 0 { log[i] = Array(bytes[p..<(p + n)]) }
            p += n
        }
        return (index, log)
    }
}
