internal import Glibc
public import MapReduce
import Synchronization

/// `jobcount`: counts map executions. Each map creates a unique marker
/// `mr-worker-jobcount-<pid>-<k>` (k counts this process's map calls), sleeps a uniformly
/// random 2000–4999 ms and emits `("a","x")`; reduce ignores its values and returns how many
/// files in the current directory start with `mr-worker-jobcount`.
public struct JobCount: MapReduceApp {
    private static let calls = Atomic<Int>(0)

    public init() {}

    public func map(filename: String, contents: String) -> [KeyValue] {
        let k = Self.calls.wrappingAdd(1, ordering: .relaxed).oldValue
        do throws(MapReduceError) {
            try LocalFiles.writeFile("x", to: "mr-worker-jobcount-\(getpid())-\(k)")
        } catch {
            fatalError("jobcount: \(error)")
        }
        BlockingSleep.sleep(for: .milliseconds(2000 + Int.random(in: 0..<3000)))
        return [KeyValue("a", "x")]
    }

    public func reduce(key: String, values: [String]) -> String {
        do throws(MapReduceError) {
            return String(try LocalFiles.listDirectory(".").filter { $0.hasPrefix("mr-worker-jobcount") }.count)
        } catch {
            fatalError("jobcount: \(error)")
        }
    }
}
