import ArgumentParser
import Linearizability

/// The operation mix of a bench run (`--workload`): the mixed workload the demo runs, or one
/// kind of operation alone, to compare with a load generator that sends one request body
/// (`Scripts/bench-kv-client.sh` against h2load).
enum BenchWorkload: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// get 50 %, put 20 %, append 25 %, delete 5 %.
    case mixed
    /// Puts only.
    case put
    /// Gets only (of the keys' values before the run).
    case get

    /// The next operation on `key`; `value` makes the value a write carries.
    func operation(key: String, value: () -> String) -> KVModel.Input {
        switch self {
        case .put: return .put(key: key, value: value())
        case .get: return .get(key: key)
        case .mixed:
            let roll = Int.random(in: 0..<100)
            return roll < 50 ? .get(key: key)
                : roll < 70 ? .put(key: key, value: value())
                : roll < 95 ? .append(key: key, value: value()) : .delete(key: key)
        }
    }
}
