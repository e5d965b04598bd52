internal import Glibc
import MapReduce

/// The lab's `nparallel(phase)`: measures how many worker processes are inside the same phase
/// at once, through marker files in the current directory.
///
/// Creates `mr-worker-<phase>-<pid>`, lists the directory, counts markers
/// `mr-worker-<phase>-<N>` whose process N is alive (`kill(N, 0)` succeeds), sleeps
/// ``probeSleep``, removes its marker and returns the count. File errors crash the process,
/// as the lab's version does (they mean the test set-up is broken).
enum ParallelismProbe {
    /// How long each probe stays inside the phase.
    static let probeSleep: Duration = .seconds(1)

    static func liveWorkers(phase: String) -> Int {
        let prefix = "mr-worker-\(phase)-"
        let marker = "\(prefix)\(getpid())"
        do throws(MapReduceError) {
            try LocalFiles.writeFile("x", to: marker)
            var count = 0
            for name in try LocalFiles.listDirectory(".") where name.hasPrefix(prefix) {
                guard let pid = Int32(leadingDigitsOf: name.dropFirst(prefix.count)) else { continue }
                if kill(pid, 0) == 0 { count += 1 }
            }
            BlockingSleep.sleep(for: probeSleep)
            try LocalFiles.remove(marker)
            return count
        } catch {
            fatalError("mr-worker \(phase) probe failed: \(error)")
        }
    }
}

extension Int32 {
    /// Go's `fmt.Sscanf(s, "%d", &n)`: the leading decimal digits (optional sign).
    init?(leadingDigitsOf text: Substring) {
        let digits = text.prefix(while: { $0.isASCII && ($0.isNumber || $0 == "-" || $0 == "+") })
        self.init(digits)
    }
}
