import BenchSupport
import Glibc

/// The disk's cost of one small durable write (`pwrite` + `fdatasync`) in three file layouts, measured with
/// plain system calls and nothing of the WAL in between, so the WAL's own figures can be read against it:
///
/// * `append`: each write extends the file, so `fdatasync` must also commit the new size (a journal commit
///   on ext4);
/// * `fallocate`: the file was sized with `posix_fallocate` and `fsync`ed first; the writes land in
///   allocated but "unwritten" extents, which the file system converts as they are written;
/// * `zero-fill`: the file was written with zeros and `fsync`ed first; the writes only replace data.
///
/// The modes take turns, round by round, so a change in the machine's load hits all of them alike.
struct DiskProbe {
    /// The layouts compared.
    enum Layout: String, CaseIterable {
        case append
        case fallocate
        case zeroFill = "zero-fill"
    }

    /// Bytes per write (a small Raft batch).
    var writeBytes = 512
    /// Writes timed per layout and round.
    var writesPerRound = 1000
    /// Rounds; each runs every layout once.
    var rounds = 3
    /// Size a prepared file is given before the timed writes (the WAL's default segment size).
    var preparedFileBytes = 64 << 20
    /// Zeros written per `pwrite` when zero-filling.
    static let zeroFillChunkBytes = 1 << 20

    /// Runs the rounds in `directory` and prints one line per layout.
    func run(in directory: String) {
        precondition(writeBytes * writesPerRound <= preparedFileBytes, "the timed writes must fit the prepared file")
        var latencies = Dictionary(uniqueKeysWithValues: Layout.allCases.map { ($0, LatencyHistogram()) })
        var preparation = Dictionary(uniqueKeysWithValues: Layout.allCases.map { ($0, [Duration]()) })
        for round in 0..<rounds {
            for layout in Layout.allCases {
                let path = "\(directory)/disk-probe-\(getpid())-\(round)-\(layout.rawValue)"
                let (prepared, histogram) = measure(layout, path: path)
                latencies[layout]!.merge(histogram)
                preparation[layout]!.append(prepared)
            }
        }
        print("pwrite \(writeBytes) B + fdatasync; prepare = size the file to \(preparedFileBytes >> 20) MiB and fsync")
        print("layout      prepare µs (median)  p50 µs  p90 µs  p99 µs  samples")
        for layout in Layout.allCases {
            let histogram = latencies[layout]!
            let prepared = preparation[layout]!.sorted()[preparation[layout]!.count / 2]
            let row = [
                layout.rawValue.padding(10), formatted(microseconds(prepared), 0).padding(19),
                microsecondsText(histogram, 50).padding(6), microsecondsText(histogram, 90).padding(6),
                microsecondsText(histogram, 99).padding(6), String(histogram.count),
            ]
            print(row.joined(separator: "  "))
        }
        fflush(nil)
    }

    /// Prepares one file in `layout`, times the writes into it, removes it.
    private func measure(_ layout: Layout, path: String) -> (prepared: Duration, latencies: LatencyHistogram) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        check(descriptor >= 0, "open", path)
        defer {
            check(close(descriptor) == 0, "close", path)
            check(unlink(path) == 0, "unlink", path)
        }
        let clock = ContinuousClock()
        let prepared = clock.measure {
            switch layout {
            case .append:
                return
            case .fallocate:
                let result = posix_fallocate(descriptor, 0, off_t(preparedFileBytes))
                if result != 0 { fatalError("posix_fallocate(\(path)): \(String(cString: strerror(result)))") }
            case .zeroFill:
                let zeros = [UInt8](repeating: 0, count: Self.zeroFillChunkBytes)
                var offset = 0
                while offset < preparedFileBytes {
                    let count = min(zeros.count, preparedFileBytes - offset)
                    let written = zeros.withUnsafeBytes { pwrite(descriptor, $0.baseAddress!, count, off_t(offset)) }
                    check(written == count, "pwrite", path)
                    offset += count
                }
            }
            check(fsync(descriptor) == 0, "fsync", path)
        }
        var histogram = LatencyHistogram()
        let payload = [UInt8](repeating: 0xAB, count: writeBytes)
        for index in 0..<writesPerRound {
            let started = clock.now
            let written = payload.withUnsafeBytes {
                pwrite(descriptor, $0.baseAddress!, writeBytes, off_t(index * writeBytes))
            }
            check(written == writeBytes, "pwrite", path)
            check(fdatasync(descriptor) == 0, "fdatasync", path)
            histogram.record(clock.now - started)
        }
        return (prepared, histogram)
    }

    private func check(_ succeeded: Bool, _ operation: String, _ path: String) {
        if !succeeded { fatalError("\(operation)(\(path)) failed: \(String(cString: strerror(errno)))") }
    }
}

/// A duration in microseconds.
func microseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12
}

/// The latency at `percent` of `histogram` in whole microseconds.
func microsecondsText(_ histogram: LatencyHistogram, _ percent: Double) -> String {
    guard let latency = histogram.latency(atPercentile: percent) else { return "-" }
    return formatted(microseconds(latency), 0)
}
