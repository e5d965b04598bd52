internal import Glibc
public import MapReduce

/// `crash` (and `nocrash` with `crashes == false`): at the start of every map and reduce
/// call, draws r uniformly from 0..<1000: r < 330 exits the process with status 1, r < 660
/// sleeps uniformly 0–9999 ms, otherwise continues. Map emits `a`→filename,
/// `b`→UTF-8 length of the filename, `c`→UTF-8 length of the contents, `d`→`xyzzy`; reduce
/// sorts the values and joins them with single spaces.
public struct Crash: MapReduceApp {
    /// Whether to inject crashes and delays (`false` is the lab's `nocrash`).
    public let crashes: Bool

    public init(crashes: Bool = true) {
        self.crashes = crashes
    }

    public func map(filename: String, contents: String) -> [KeyValue] {
        maybeCrash()
        return [
            KeyValue("a", filename),
            KeyValue("b", String(filename.utf8.count)),
            KeyValue("c", String(contents.utf8.count)),
            KeyValue("d", "xyzzy"),
        ]
    }

    public func reduce(key: String, values: [String]) -> String {
        maybeCrash()
        return UTF8Order.sorted(values).joined(separator: " ")
    }

    private func maybeCrash() {
        guard crashes else { return }
        var generator = SystemRandomNumberGenerator()
        let r = Int.random(in: 0..<1000, using: &generator)
        if r < 330 {
            exit(1)
        } else if r < 660 {
            BlockingSleep.sleep(for: .milliseconds(Int.random(in: 0..<10_000, using: &generator)))
        }
    }
}
