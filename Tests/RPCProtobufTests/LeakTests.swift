import CMallocStats
import Interop
import RPCProtobuf
import Testing

/// Packing and unpacking in a loop must not grow the heap: every arena allocation and every
/// unpacked C message is freed. Measured with glibc's `mallinfo2` (bytes in use, heap plus
/// mmapped chunks); a per-iteration leak of even one 4 KiB payload would add ~80 MiB, so
/// a 16 MiB bound is far from both the leak and the noise of tests running concurrently.
@Suite struct LeakTests {
    static func bytesInUse() -> Int {
        Int(cmallocstats_bytes_in_use())
    }

    @Test func repeatedPackAndUnpackDoesNotLeak() async throws {
        let request = StreamingOutputCallRequest(
            responseParameters: (0..<4).map { ResponseParameters(size: Int32($0), compressed: BoolValue(value: true)) },
            payload: Payload(body: [UInt8](repeating: 7, count: 4096)),
            responseStatus: EchoStatus(code: 2, message: "status message ☺"))
        let serializer = ProtobufSerializer<StreamingOutputCallRequest>()
        let deserializer = ProtobufDeserializer<StreamingOutputCallRequest>()

        // Yields now and then: the loop takes seconds of CPU, and holding one of the two
        // cooperative threads that long starves the timing-sensitive suites running beside it.
        func iterate(_ count: Int) async throws {
            for i in 0..<count {
                if i % 500 == 0 { await Task.yield() }
                let decoded = try deserializer.deserialize(try serializer.serialize(request))
                precondition(decoded == request)
                // Failing paths free too.
                _ = try? deserializer.deserialize([0x1a, 0x02, 0xff, 0xff])
            }
        }

        try await iterate(1_000)  // warm up caches and allocator arenas
        // The heap counter is process-wide and other suites run concurrently, so a single
        // reading can include their transient allocations. A leak grows the heap in every
        // round; noise does not. Take the smallest growth of three rounds.
        var growths: [Int] = []
        for _ in 0..<3 {
            let before = Self.bytesInUse()
            try await iterate(20_000)
            growths.append(Self.bytesInUse() - before)
        }
        let growth = growths.min()!
        #expect(growth < 16 << 20, "heap grew by at least \(growth) bytes per 20000 round trips (rounds: \(growths))")
    }
}
