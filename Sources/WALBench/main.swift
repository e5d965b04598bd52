// WALBench: first the disk's own cost of a small durable write into a growing, a fallocated
// and a zero-filled file (`DiskProbe`), then the WAL: appends 1 KiB records in batches of 1,
// 16 and 64, with one `sync()` per batch, in growing and in preallocated segments, and prints
// throughput, the latency of append+sync per batch and fsyncs per record ("one fsync per
// batch, not per entry").
//
// Usage: wal-bench [--records N] [--dir PATH] [--probe-writes N] [--probe-only | --no-probe]
//   --records       records written per batch size (default 2048; bounded so a run takes seconds)
//   --dir           parent directory for the scratch files (default /tmp, which may be tmpfs:
//                   check with df); each run uses and then removes its own sub-directory.
//   --probe-writes  timed writes per layout and round of the disk probe (default 1000)
import BenchSupport
import DurableStorage
import Glibc

var recordCount = 2048
var parent = "/tmp"
var probe = DiskProbe()
var runsProbe = true
var runsLog = true
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    switch flag {
    case "--records":
        guard let value = arguments.popFirst().flatMap({ Int($0) }), value > 0 else {
            fatalError("--records needs a positive integer")
        }
        recordCount = value
    case "--dir":
        guard let value = arguments.popFirst() else { fatalError("--dir needs a path") }
        parent = value
    case "--probe-writes":
        guard let value = arguments.popFirst().flatMap({ Int($0) }), value > 0 else {
            fatalError("--probe-writes needs a positive integer")
        }
        probe.writesPerRound = value
    case "--probe-only": runsLog = false
    case "--no-probe": runsProbe = false
    default:
        fatalError(
            "unknown argument \(flag); usage: wal-bench [--records N] [--dir PATH] [--probe-writes N] "
                + "[--probe-only | --no-probe]")
    }
}
if runsProbe { probe.run(in: parent) }
if !runsLog { exit(0) }

let payload = [UInt8](repeating: 0xAB, count: 1024)
let fileSystem = PosixFileSystem()
print(
    "segments      records/batch  records  seconds  records/s  MiB/s  append+sync p50 µs  p99 µs  "
        + "fsyncs/record (data+dir)  syncCalls")
// Both segment layouts, one batch size at a time, so a change in load hits both alike.
for (batchSize, preallocates) in [1, 16, 64].flatMap({ size in [(size, false), (size, true)] }) {
    let directory = "\(parent)/wal-bench-\(getpid())-\(batchSize)-\(preallocates)"
    do {
        let log = try WriteAheadLog(
            directory: directory, config: WriteAheadLog.Config(preallocatesSegments: preallocates))
        let clock = ContinuousClock()
        var sequence: UInt64 = 1
        var latencies = LatencyHistogram()
        let elapsed = try clock.measure {
            var written = 0
            while written < recordCount {
                let count = min(batchSize, recordCount - written)
                let batch = (0..<count).map { offset in
                    WriteAheadLog.Record(
                        type: 1, sequence: sequence + UInt64(offset), payload: payload)
                }
                let started = clock.now
                try log.append(batch)
                try log.sync()
                latencies.record(clock.now - started)
                sequence += UInt64(count)
                written += count
            }
        }
        let stats = log.statistics
        try log.close()
        let seconds =
            Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let fsyncs = Double(stats.dataSyncs + stats.directorySyncs) / Double(recordCount)
        let line = [
            (preallocates ? "preallocated" : "growing").padding(12), String(batchSize).padding(13),
            String(recordCount).padding(7),
            formatted(seconds, 3).padding(7),
            formatted(Double(recordCount) / seconds, 0).padding(9),
            formatted(Double(stats.bytesAppended) / seconds / 1_048_576, 1).padding(5),
            microsecondsText(latencies, 50).padding(18), microsecondsText(latencies, 99).padding(6),
            formatted(fsyncs, 4).padding(25), String(stats.syncCalls),
        ]
        print(line.joined(separator: "  "))
        fflush(nil)  // Show each row as it completes (stdout is a shared global in Swift 6).
        for name in try fileSystem.listDirectory(directory) {
            try fileSystem.remove(directory + "/" + name)
        }
        rmdir(directory)
    } catch {
        print("batch size \(batchSize) (preallocated: \(preallocates)) failed: \(error)")
        exit(1)
    }
}

func formatted(_ value: Double, _ decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var text = String(rounded)
    if decimals == 0, text.hasSuffix(".0") { text.removeLast(2) }
    return text
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
