internal import CNGHTTP2

/// A header block laid out once for nghttp2 (`nghttp2_nv` entries pointing into one copy of the
/// names and values), to be submitted many times: a client connection keeps one per method for
/// the request headers that do not change between its calls (method, scheme, path, authority,
/// content type, `te`, user agent), instead of building and copying them on every call.
///
/// nghttp2 copies the fields during a submit call, so a block is only read, never handed over.
/// Owned by the connection that made it (not `Sendable`); its memory is freed with it.
final class HeaderBlock {
    let fieldCount: Int
    private let bytes: UnsafeMutableBufferPointer<UInt8>
    private let nameValues: UnsafeMutableBufferPointer<nghttp2_nv>

    init(_ headers: [HeaderField]) {
        fieldCount = headers.count
        bytes = .allocate(capacity: HeaderBlock.byteCount(headers))
        nameValues = .allocate(capacity: max(headers.count, 1))
        HeaderBlock.layOut(headers, bytes: bytes, into: nameValues)
    }

    deinit {
        bytes.deallocate()
        nameValues.deallocate()
    }

    /// Calls `body` with this block's fields followed by `extra`'s (laid out in temporary
    /// memory, on the stack for a few fields), valid for the call only.
    func withNameValues<R>(adding extra: [HeaderField], _ body: (UnsafeMutableBufferPointer<nghttp2_nv>) -> R) -> R {
        HeaderBlock.withNameValues(extra, after: fieldCount) { nva in
            // nghttp2_nv is a C struct of pointers and integers: copied and dropped as bytes.
            for i in 0..<fieldCount { (nva.baseAddress! + i).initialize(to: nameValues[i]) }
            return body(nva)
        }
    }

    /// Calls `body` with an `nghttp2_nv` array of `leading` entries for the caller to fill,
    /// then `headers`, pointing into one contiguous copy of them; nghttp2 copies the fields
    /// during a submit call, so the memory need only live for the call.
    ///
    /// Both the bytes (names and values back to back) and the `nghttp2_nv` array are temporary
    /// allocations (on the stack for a usual gRPC header block): three arrays per header block
    /// were three allocations on every call's request and response.
    static func withNameValues<R>(
        _ headers: [HeaderField], after leading: Int = 0, _ body: (UnsafeMutableBufferPointer<nghttp2_nv>) -> R
    ) -> R {
        let total = leading + headers.count
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: byteCount(headers)) { bytes in
            withUnsafeTemporaryAllocation(of: nghttp2_nv.self, capacity: max(total, 1)) { nva in
                layOut(headers, bytes: bytes, into: UnsafeMutableBufferPointer(rebasing: nva[leading...]))
                // nghttp2_nv is a C struct of pointers and integers: nothing to deinitialize.
                return body(UnsafeMutableBufferPointer(rebasing: nva[..<total]))
            }
        }
    }

    /// Bytes needed to lay out `headers` (names and values back to back, at least one).
    private static func byteCount(_ headers: [HeaderField]) -> Int {
        headers.reduce(1) { $0 + $1.name.utf8.count + $1.value.utf8.count }
    }

    /// Writes `headers`' names and values into `bytes` (``byteCount(_:)`` of them) and one
    /// `nghttp2_nv` per field pointing at them into `nva` (room for `headers.count`).
    private static func layOut(
        _ headers: [HeaderField], bytes: UnsafeMutableBufferPointer<UInt8>,
        into nva: UnsafeMutableBufferPointer<nghttp2_nv>
    ) {
        var offset = 0
        for (i, field) in headers.enumerated() {
            let nameStart = offset
            offset = copyUTF8(field.name, into: bytes, at: offset)
            let valueStart = offset
            offset = copyUTF8(field.value, into: bytes, at: offset)
            (nva.baseAddress! + i).initialize(to: nghttp2_nv(
                name: bytes.baseAddress! + nameStart, value: bytes.baseAddress! + valueStart,
                namelen: valueStart - nameStart, valuelen: offset - valueStart,
                flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue)))
        }
    }

    /// Copies `text`'s UTF-8 into `bytes` at `offset` (room is the caller's to ensure); returns
    /// the offset after it.
    private static func copyUTF8(_ text: String, into bytes: UnsafeMutableBufferPointer<UInt8>, at offset: Int) -> Int {
        let (_, end) = UnsafeMutableBufferPointer(rebasing: bytes[offset...]).initialize(from: text.utf8)
        return offset + end
    }
}
