// WALBench: appends 1 KiB records in batches of 1, 16 and 64, with one `sync()` per batch,
// and prints throughput and fsyncs per record ("one fsync per batch, not per entry").
//
// Usage: wal-bench [--records N] [--dir PATH]
//   --records  records written per batch size (default 2048; bounded so a run takes seconds)
//   --dir      parent directory for the scratch logs (default /tmp); each run uses and then
//              removes its own sub-directory.
import DurableStorage
import Glibc

var recordCount = 2048
var parent = "/tmp"
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
    default:
        fatalError("unknown argument \(flag); usage: wal-bench [--records N] [--dir PATH]")
    }
}

let payload = [UInt8](repeating: 0xAB, count: 1024)
let fileSystem = PosixFileSystem()
print("records/batch  records  seconds  records/s  MiB/s  fsyncs/record (data+dir)  syncCalls")
for batchSize in [1, 16, 64] {
    let directory = "\(parent)/wal-bench-\(getpid())-\(batchSize)"
    do {
        let log = try WriteAheadLog(directory: directory)
        let clock = ContinuousClock()
        var sequence: UInt64 = 1
        let elapsed = try clock.measure {
            var written = 0
            while written < recordCount {
                let count = min(batchSize, recordCount - written)
                let batch = (0..<count).map { offset in
                    WriteAheadLog.Record(
                        type: 1, sequence: sequence + UInt64(offset), payload: payload)
                }
                try log.append(batch)
                try log.sync()
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
            String(batchSize).padding(13), String(recordCount).padding(7),
            formatted(seconds, 3).padding(7),
            formatted(Double(recordCount) / seconds, 0).padding(9),
            formatted(Double(stats.bytesAppended) / seconds / 1_048_576, 1).padding(5),
            formatted(fsyncs, 4).padding(25), String(stats.syncCalls),
        ]
        print(line.joined(separator: "  "))
        fflush(nil)  // Show each row as it completes (stdout is a shared global in Swift 6).
        for name in try fileSystem.listDirectory(directory) {
            try fileSystem.remove(directory + "/" + name)
        }
        rmdir(directory)
    } catch {
        print("batch size \(batchSize) failed: \(error)")
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
