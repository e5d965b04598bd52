/// On-disk layout of WAL segment files (all integers little-endian).
///
/// A segment file is a 32-byte header followed by records:
///
///     header:  magic "skvwal01" (8) | ordinal (UInt64) | first sequence (UInt64)
///              | reserved, zero (UInt32) | CRC-32C of the previous 28 bytes (UInt32)
///     record:  length (UInt32) | CRC-32C of body (UInt32) | body
///     body:    type (UInt8) | sequence (UInt64) | payload (length - 9 bytes)
///
/// `length` counts the body only, so a record occupies `8 + length` bytes and
/// `length >= 9`. The ordinal increases by one per segment created, which makes a missing
/// segment in the middle of the chain detectable; the first sequence equals the sequence of the
/// segment's first record and the number in its file name.
enum WALFormat {
    static let segmentHeaderBytes = 32
    static let recordHeaderBytes = 8
    static let bodyPrefixBytes = 9
    static let segmentMagic: [UInt8] = Array("skvwal01".utf8)
    static let segmentSuffix = ".wal"

    static func segmentName(firstSequence: UInt64) -> String {
        hexName(firstSequence) + segmentSuffix
    }

    static func encodeSegmentHeader(ordinal: UInt64, firstSequence: UInt64) -> [UInt8] {
        var bytes = segmentMagic
        bytes.reserveCapacity(segmentHeaderBytes)
        bytes.appendLittleEndian(ordinal)
        bytes.appendLittleEndian(firstSequence)
        bytes.appendLittleEndian(UInt32(0))
        bytes.appendLittleEndian(CRC32C.checksum(bytes))
        return bytes
    }

    struct SegmentHeader: Equatable {
        var ordinal: UInt64
        var firstSequence: UInt64
    }

    /// The header in the first 32 bytes, or why they are not one.
    static func decodeSegmentHeader(_ bytes: [UInt8]) -> Result<SegmentHeader, HeaderProblem> {
        guard bytes.count >= segmentHeaderBytes else { return .failure(.init("header truncated")) }
        guard Array(bytes[0..<8]) == segmentMagic else { return .failure(.init("bad magic")) }
        let stored = bytes.loadLittleEndianUInt32(at: 28)
        let actual = CRC32C.checksum(bytes[0..<28])
        guard stored == actual else {
            return .failure(
                .init("header checksum mismatch (stored \(stored), computed \(actual))"))
        }
        return .success(
            SegmentHeader(
                ordinal: bytes.loadLittleEndianUInt64(at: 8),
                firstSequence: bytes.loadLittleEndianUInt64(at: 16)))
    }

    struct HeaderProblem: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    static func encodedSize(payloadBytes: Int) -> Int {
        recordHeaderBytes + bodyPrefixBytes + payloadBytes
    }

    /// Appends one encoded record to `buffer`.
    static func encode(_ record: WriteAheadLog.Record, into buffer: inout [UInt8]) {
        let start = buffer.count
        buffer.appendLittleEndian(UInt32(bodyPrefixBytes + record.payload.count))
        buffer.appendLittleEndian(UInt32(0))  // checksum, patched below
        buffer.append(record.type)
        buffer.appendLittleEndian(record.sequence)
        buffer.append(contentsOf: record.payload)
        let checksum = CRC32C.checksum(buffer[(start + recordHeaderBytes)...])
        buffer.storeLittleEndian(checksum, at: start + 4)
    }

    enum ParseResult {
        case record(WriteAheadLog.Record, next: Int)
        /// The record's header or body runs past the end of the data.
        case incomplete(String)
        /// The length field is impossible, or the checksum does not match.
        case invalid(String)
    }

    /// Parses the record starting at `offset` in `bytes`.
    static func parseRecord(_ bytes: [UInt8], at offset: Int, maxRecordBytes: Int) -> ParseResult {
        let remaining = bytes.count - offset
        if remaining < recordHeaderBytes {
            return .incomplete("\(remaining) bytes left, record header needs \(recordHeaderBytes)")
        }
        let length = Int(bytes.loadLittleEndianUInt32(at: offset))
        if length < bodyPrefixBytes || length > bodyPrefixBytes + maxRecordBytes {
            return .invalid("impossible record length \(length)")
        }
        if remaining - recordHeaderBytes < length {
            return .incomplete(
                "record of \(length) body bytes, only \(remaining - recordHeaderBytes) present")
        }
        let bodyStart = offset + recordHeaderBytes
        let stored = bytes.loadLittleEndianUInt32(at: offset + 4)
        let actual = CRC32C.checksum(bytes[bodyStart..<(bodyStart + length)])
        if stored != actual {
            return .invalid("checksum mismatch (stored \(stored), computed \(actual))")
        }
        let record = WriteAheadLog.Record(
            type: bytes[bodyStart],
            sequence: bytes.loadLittleEndianUInt64(at: bodyStart + 1),
            payload: Array(bytes[(bodyStart + bodyPrefixBytes)..<(bodyStart + length)]))
        return .record(record, next: bodyStart + length)
    }

    /// Whether any checksum-valid record starts anywhere in `bytes[from...]`. Used only on the
    /// damaged tail of the last segment to tell a torn write (nothing valid follows) from
    /// corruption in the middle of the log (valid records follow). Cost: one cheap length check
    /// per byte offset, plus a checksum for each plausible length; a zero-filled tail is
    /// rejected by the length check alone.
    static func containsValidRecord(_ bytes: [UInt8], from start: Int, maxRecordBytes: Int) -> Bool
    {
        var offset = start
        while offset + recordHeaderBytes + bodyPrefixBytes <= bytes.count {
            if case .record = parseRecord(bytes, at: offset, maxRecordBytes: maxRecordBytes) {
                return true
            }
            offset += 1
        }
        return false
    }
}
