internal import Glibc

/// On-disk layout of WAL segment files (all integers little-endian).
///
/// A segment file is a 32-byte header followed by records:
///
///     header:  magic "skvwal01" (8) | ordinal (UInt64) | first sequence (UInt64)
///              | flags (UInt32) | CRC-32C of the previous 28 bytes (UInt32)
///     record:  length (UInt32) | CRC-32C of body (UInt32) | body
///     body:    type (UInt8) | sequence (UInt64) | payload (length - 9 bytes)
///
/// `length` counts the body only, so a record occupies `8 + length` bytes and
/// `length >= 9`. The ordinal increases by one per segment created, which makes a missing
/// segment in the middle of the chain detectable; the first sequence equals the sequence of the
/// segment's first record and the number in its file name.
///
/// Flags bit 0 (`syncMarkersFlag`, set on every segment this version creates; older segments
/// have 0 there): the segment may hold **sync markers**, framed like a record with a 17-byte
/// body (type 0, sequence 0, UInt64 durable byte count) but whose checksum field is the
/// body's CRC-32C XOR `syncMarkerChecksumMask`, so no record parses as a marker or a marker
/// as a record (short of a 2^-32 collision). The count says how many bytes of this segment
/// were durable (`fdatasync`ed) when the marker was appended. Scans skip markers.
///
/// Flags bit 1 (`preallocatedFlag`, set on segments created with
/// `WriteAheadLog.Config.preallocatesSegments`): the segment file is allocated ahead of its
/// records, so records are written into zeros rather than at the end of the file (an
/// `fdatasync` then has no file size to commit). The **end of the log** in
/// such a segment is the first offset from which the file holds only zeros: a zero length field
/// can be no record (`length >= 9`) and no sync marker (length 17), so it cannot be mistaken
/// for one, and no format version bump is needed. A segment is cut to its records' end when it
/// is sealed, so only the last segment of a log has such a free tail. Older versions read these
/// segments too: they take the zero tail of the last segment for a torn tail and cut it off.
enum WALFormat {
    static let segmentHeaderBytes = 32
    static let recordHeaderBytes = 8
    static let bodyPrefixBytes = 9
    static let segmentMagic: [UInt8] = Array("skvwal01".utf8)
    static let segmentSuffix = ".wal"
    /// Header flag: the segment carries sync markers.
    static let syncMarkersFlag: UInt32 = 1
    /// Header flag: the segment was preallocated; a zero tail after its records is free space.
    static let preallocatedFlag: UInt32 = 2
    /// XORed into a sync marker's checksum to tell it from a record.
    static let syncMarkerChecksumMask: UInt32 = 0x5359_4E43  // "SYNC"
    /// Body bytes of a sync marker: type, sequence (both 0), durable byte count (UInt64).
    static let syncMarkerBodyBytes = bodyPrefixBytes + 8
    /// Bytes a sync marker occupies in a segment.
    static let syncMarkerBytes = recordHeaderBytes + syncMarkerBodyBytes
    /// The unit in which a crash keeps or loses unsynced data (the page cache's page).
    static let pageBytes = 4096

    static func segmentName(firstSequence: UInt64) -> String {
        hexName(firstSequence) + segmentSuffix
    }

    static func encodeSegmentHeader(ordinal: UInt64, firstSequence: UInt64, preallocated: Bool) -> [UInt8] {
        var bytes = segmentMagic
        bytes.reserveCapacity(segmentHeaderBytes)
        bytes.appendLittleEndian(ordinal)
        bytes.appendLittleEndian(firstSequence)
        bytes.appendLittleEndian(syncMarkersFlag | (preallocated ? preallocatedFlag : 0))
        bytes.appendLittleEndian(CRC32C.checksum(bytes))
        return bytes
    }

    struct SegmentHeader: Equatable {
        var ordinal: UInt64
        var firstSequence: UInt64
        /// Whether the segment may hold sync markers (flag bit 0).
        var recordsSyncMarkers: Bool
        /// Whether the segment was preallocated, so zeros after its records are free space (bit 1).
        var isPreallocated = false
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
                firstSequence: bytes.loadLittleEndianUInt64(at: 16),
                recordsSyncMarkers: bytes.loadLittleEndianUInt32(at: 24) & syncMarkersFlag != 0,
                isPreallocated: bytes.loadLittleEndianUInt32(at: 24) & preallocatedFlag != 0))
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

    /// Appends a sync marker saying the first `durableBytes` bytes of the segment are durable.
    static func encodeSyncMarker(durableBytes: Int64, into buffer: inout [UInt8]) {
        let start = buffer.count
        var payload: [UInt8] = []
        payload.appendLittleEndian(UInt64(durableBytes))
        encode(WriteAheadLog.Record(type: 0, sequence: 0, payload: payload), into: &buffer)
        let checksum = buffer.loadLittleEndianUInt32(at: start + 4) ^ syncMarkerChecksumMask
        buffer.storeLittleEndian(checksum, at: start + 4)
    }

    /// The durable byte count of the sync marker at `offset`, nil if there is none.
    static func syncMarker(_ bytes: [UInt8], at offset: Int) -> Int64? {
        guard offset + syncMarkerBytes <= bytes.count,
            bytes.loadLittleEndianUInt32(at: offset) == UInt32(syncMarkerBodyBytes)
        else { return nil }
        let bodyStart = offset + recordHeaderBytes
        let checksum = CRC32C.checksum(bytes[bodyStart..<(bodyStart + syncMarkerBodyBytes)])
        guard bytes.loadLittleEndianUInt32(at: offset + 4) == checksum ^ syncMarkerChecksumMask
        else { return nil }
        return Int64(truncatingIfNeeded: bytes.loadLittleEndianUInt64(at: bodyStart + bodyPrefixBytes))
    }

    /// The largest durable byte count of the checksum-valid sync markers starting anywhere in
    /// `bytes[from..<limit]`, nil if there is none. Linear: a marker has a fixed length, so each
    /// byte offset costs a 4-byte comparison and at most one 17-byte checksum. (A marker's
    /// length field is not zero, so none starts at or after the end of the non-zero bytes:
    /// `endOfNonZeroBytes` is a sound `limit`.)
    static func highestSyncMarker(_ bytes: [UInt8], from start: Int, startingBefore limit: Int? = nil) -> Int64? {
        var highest: Int64?
        var offset = max(start, 0)
        let limit = min(limit ?? bytes.count, bytes.count)
        while offset < limit && offset + syncMarkerBytes <= bytes.count {
            if let value = syncMarker(bytes, at: offset) { highest = max(highest ?? value, value) }
            offset += 1
        }
        return highest
    }

    /// Whether `bytes[start...]` holds only zeros (true when empty). With `memcmp` (the first byte
    /// is zero and every byte equals the next), so checking the free tail of a 64 MiB segment
    /// costs milliseconds even in a debug build.
    static func isAllZero(_ bytes: [UInt8], from start: Int) -> Bool {
        guard start < bytes.count else { return true }
        guard bytes[start] == 0 else { return false }
        return bytes.withUnsafeBytes { buffer in
            let tail = buffer.baseAddress! + start
            return memcmp(tail, tail + 1, buffer.count - start - 1) == 0
        }
    }

    /// The offset just past the last non-zero byte of `bytes` (0 if all are zero). From the
    /// end, a chunk at a time with `memcmp` (as `isAllZero`), so a preallocated segment's free
    /// tail costs milliseconds.
    static func endOfNonZeroBytes(_ bytes: [UInt8]) -> Int {
        let chunkBytes = 64 << 10
        var end = bytes.count
        while end > 0 {
            let start = max(end - chunkBytes, 0)
            let chunkIsZero = bytes[start] == 0 && bytes.withUnsafeBytes { buffer in
                memcmp(buffer.baseAddress! + start, buffer.baseAddress! + start + 1, end - start - 1) == 0
            }
            if !chunkIsZero {
                while bytes[end - 1] == 0 { end -= 1 }
                return end
            }
            end = start
        }
        return 0
    }

    /// The unit a device writes atomically: a page torn by a power loss mid-write keeps a
    /// prefix of whole sectors.
    static let sectorBytes = 512

    /// Whether the damage at `offset` is explained by a lost or torn page: zeros from `offset`
    /// or from a later sector boundary to the end of that page (what the unwritten part of an
    /// unsynced page reads as in a file the log only extends: the page was never written back
    /// after the last sync, which may have ended mid-page at `offset`, or only its first
    /// sectors were when the power went). The record's own bytes were valid up to `offset`, so
    /// the zeros start at or after `offset`, and before the end the damaged record's length
    /// field claims (if that is readable and plausible).
    static func damageStartsAtLostPage(_ bytes: [UInt8], at offset: Int, maxRecordBytes: Int) -> Bool {
        var claimedEnd = offset + 1
        if offset + recordHeaderBytes <= bytes.count {
            let length = Int(bytes.loadLittleEndianUInt32(at: offset))
            if length >= bodyPrefixBytes && length <= bodyPrefixBytes + maxRecordBytes {
                claimedEnd = offset + recordHeaderBytes + length
            }
        }
        var start = offset
        while start < claimedEnd {
            let pageEnd = (start / pageBytes + 1) * pageBytes
            guard pageEnd <= bytes.count else { return false }
            if bytes[start..<pageEnd].allSatisfy({ $0 == 0 }) { return true }
            start = (start / sectorBytes + 1) * sectorBytes
        }
        return false
    }

    /// What a search for a valid record after damage found.
    enum TailScan: Equatable {
        case validRecordFollows
        case nothingValidFollows
        /// The checksum budget ran out first: neither is proven.
        case undetermined
    }

    /// Checksum bytes the tail scan may spend per byte of tail searched, beyond a fixed
    /// allowance of two records of the largest size. Keeps the scan linear in the tail.
    static let tailScanChecksumBytesPerTailByte = 16

    /// Whether any checksum-valid record starts anywhere in `bytes[from...]`. Used only on the
    /// damaged tail of the last segment to tell a torn write (nothing valid follows) from
    /// corruption in the middle of the log (valid records follow). Each byte offset costs a
    /// length check; a plausible length costs a checksum over that length, so the search is
    /// bounded by a checksum budget linear in the tail (`tailScanChecksumBytesPerTailByte`):
    /// without it, a tail where many offsets hold plausible lengths would cost tail size times
    /// record size. A zero-filled tail is rejected by the length check alone.
    /// Only offsets before `limit` are tried (a record's length field is not zero, so none
    /// starts at or after the end of the non-zero bytes: `endOfNonZeroBytes` is a sound limit).
    static func scanForValidRecord(
        _ bytes: [UInt8], from start: Int, startingBefore limit: Int? = nil, maxRecordBytes: Int
    ) -> TailScan {
        let limit = min(limit ?? bytes.count, bytes.count)
        let tailBytes = max(limit - start, 0)
        var budget =
            tailScanChecksumBytesPerTailByte * tailBytes + 2 * (bodyPrefixBytes + maxRecordBytes)
        var offset = start
        while offset < limit && offset + recordHeaderBytes + bodyPrefixBytes <= bytes.count {
            let length = Int(bytes.loadLittleEndianUInt32(at: offset))
            if length >= bodyPrefixBytes && length <= bodyPrefixBytes + maxRecordBytes
                && offset + recordHeaderBytes + length <= bytes.count
            {
                budget -= length
                if budget < 0 { return .undetermined }
                if case .record = parseRecord(bytes, at: offset, maxRecordBytes: maxRecordBytes) {
                    return .validRecordFollows
                }
            }
            offset += 1
        }
        return .nothingValidFollows
    }
}
