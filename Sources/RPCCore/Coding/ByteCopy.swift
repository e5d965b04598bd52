/// Copies message bytes in pieces of at most ``pieceBytes``, so that glibc's `memcpy` never
/// takes its `REP MOVSB` path for them.
///
/// On the AMD EPYC machines this project is benchmarked on (glibc 2.36, CPU flags erms and fsrm)
/// a copy of about 2 KiB or more through that path takes 15–30× as long when its destination lies
/// 1–31 bytes past its source modulo 64 (64 KiB: ≈ 22 µs against ≈ 1.4 µs;
/// `Scripts/bench-memcpy.sh`, `PIECES`), and which buffers meet that way depends on the heap's
/// layout, so a 64-KiB RPC's dozen copies cost more or less from one build to the next. Copies in
/// 2-KiB pieces take glibc's vector loop instead: 1.4–2.0 µs for 64 KiB at every alignment, on
/// machines without the problem within a few per cent of one call. Used for the copies of message
/// bodies the RPC stack makes itself (the ones inside nghttp2 and protobuf-c are theirs).
public enum ByteCopy {
    /// The largest piece copied by one `memcpy` call: below the threshold (2-4 KiB, by CPU) at
    /// which glibc switches to `REP MOVSB`.
    public static let pieceBytes = 2048

    /// Copies `count` bytes from `source` to `destination` (not overlapping).
    @inlinable
    public static func copy(to destination: UnsafeMutableRawPointer, from source: UnsafeRawPointer, count: Int) {
        var offset = 0
        while count - offset > pieceBytes {
            (destination + offset).copyMemory(from: source + offset, byteCount: pieceBytes)
            offset += pieceBytes
        }
        (destination + offset).copyMemory(from: source + offset, byteCount: count - offset)
    }

    /// A new array holding a copy of `bytes`.
    @inlinable
    public static func array(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: bytes.count) { buffer, initialized in
            copy(to: UnsafeMutableRawPointer(buffer.baseAddress!), from: source, count: bytes.count)
            initialized = bytes.count
        }
    }
}
