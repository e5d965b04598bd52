#if canImport(Glibc)
import Glibc
#endif
import Linearizability
import Testing

/// Histories generated from a real sequential execution with randomly widened intervals are
/// linearizable by construction; corrupting one read must make them illegal. Seeds are printed
/// and can be replayed with LIN_SEED.
@Suite struct RandomHistoryTests {
    /// SplitMix64: a small seeded generator, so a failing seed reproduces.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    typealias Op = HistoryOperation<KVModel.Input, KVModel.Output>

    /// Executes `count` random operations sequentially at times 100, 200, ..., recording each
    /// with an interval widened around its linearization point (so intervals overlap).
    static func history(seed: UInt64, count: Int, keys: Int, clients: Int) -> [Op] {
        var rng = Generator(state: seed)
        var store: [String: String] = [:]
        var ops: [Op] = []
        for i in 0..<count {
            let key = "k\(Int.random(in: 0..<keys, using: &rng))"
            let point = Int64(i) * 100
            let call = point - Int64.random(in: 0..<400, using: &rng)
            let ret = point + Int64.random(in: 0..<400, using: &rng)
            let client = Int.random(in: 0..<clients, using: &rng)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0:
                ops.append(Op(clientID: client, input: .get(key: key), call: call, output: .value(store[key] ?? ""), return: ret))
            case 1:
                let v = "\(i)"
                store[key] = v
                ops.append(Op(clientID: client, input: .put(key: key, value: v), call: call, output: .done, return: ret))
            case 2:
                let v = "+\(i)"
                store[key, default: ""] += v
                ops.append(Op(clientID: client, input: .append(key: key, value: v), call: call, output: .done, return: ret))
            default:
                ops.append(Op(clientID: client, input: .get(key: key), call: call, output: .value(store[key] ?? ""), return: ret))
            }
        }
        return ops
    }

    static let seeds: [UInt64] = {
        if let fixed = ProcessInfoLike.environment("LIN_SEED"), let seed = UInt64(fixed) { return [seed] }
        return [1, 2, 3, 42, 1234, 98765]
    }()

    @Test(arguments: seeds)
    func generatedHistoriesAreLinearizable(seed: UInt64) {
        print("RandomHistoryTests seed: \(seed) (set LIN_SEED to replay)")
        let history = Self.history(seed: seed, count: 400, keys: 4, clients: 8)
        #expect(LinearizabilityChecker.check(KVModel(), history, timeout: .seconds(30)) == .ok, "seed \(seed)")
    }

    @Test(arguments: seeds)
    func corruptingOneReadMakesThemIllegal(seed: UInt64) {
        print("RandomHistoryTests seed: \(seed) (set LIN_SEED to replay)")
        var history = Self.history(seed: seed, count: 400, keys: 4, clients: 8)
        guard let victim = history.indices.first(where: {
            if case .get = history[$0].input { return true } else { return false }
        }) else { return }
        history[victim].output = .value("never-written")
        #expect(LinearizabilityChecker.check(KVModel(), history, timeout: .seconds(30)) != .ok, "seed \(seed)")
    }

    @Test(.timeLimit(.minutes(1)))
    func tenClientsThousandOperationsCheckQuickly() {
        let history = Self.history(seed: 7, count: 10_000, keys: 10, clients: 10)
        #expect(LinearizabilityChecker.check(KVModel(), history, timeout: .seconds(50)) == .ok)
    }

    @Test func tinyTimeoutGivesUnknown() {
        // Many fully concurrent appends to one key, read at the end in an impossible order:
        // the search must explore a huge space, and gives up when the timeout passes.
        var history: [Op] = (0..<40).map { i in
            Op(clientID: i, input: .append(key: "x", value: "\(i % 7)"), call: 0, output: .done, return: 1_000)
        }
        history.append(Op(clientID: 99, input: .get(key: "x"), call: 2_000, output: .value("impossible"), return: 2_001))
        let result = LinearizabilityChecker.check(KVModel(), history, timeout: .milliseconds(50))
        #expect(result == .unknown)
    }
}

/// Reads an environment variable without Foundation.
enum ProcessInfoLike {
    static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }
}
