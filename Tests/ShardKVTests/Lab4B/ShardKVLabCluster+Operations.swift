import LabHarness
import Linearizability
import ShardKV

/// The lab's clerk helpers: each operation is counted and, given a history, recorded for the
/// linearizability check.
extension ShardKVLabCluster {
    func get(_ clerk: ShardKVClerk, _ key: String, history: OperationHistory? = nil, client: Int = -1) async throws
        -> String
    {
        let call = history?.now() ?? 0
        let value = try await clerk.get(key)
        lab.countOperation()
        history?.append(.init(clientID: client, input: .get(key: key), call: call, output: .value(value), return: history?.now() ?? 0))
        return value
    }

    func put(
        _ clerk: ShardKVClerk, _ key: String, _ value: String, history: OperationHistory? = nil, client: Int = -1
    ) async throws {
        let call = history?.now() ?? 0
        try await clerk.put(key, value)
        lab.countOperation()
        history?.append(
            .init(clientID: client, input: .put(key: key, value: value), call: call, output: .done, return: history?.now() ?? 0))
    }

    func append(
        _ clerk: ShardKVClerk, _ key: String, _ value: String, history: OperationHistory? = nil, client: Int = -1
    ) async throws {
        let call = history?.now() ?? 0
        try await clerk.append(key, value)
        lab.countOperation()
        history?.append(
            .init(
                clientID: client, input: .append(key: key, value: value), call: call, output: .done,
                return: history?.now() ?? 0))
    }

    /// The lab's `check`: Get must return `expected` exactly.
    func check(_ clerk: ShardKVClerk, _ key: String, _ expected: String) async throws {
        let value = try await get(clerk, key)
        guard value == expected else { throw LabFailure("Get(\(key)): expected:\n\(expected)\nreceived:\n\(value)") }
    }

    /// Checks every key against its expected value.
    func checkAll(_ clerk: ShardKVClerk, _ keys: [String], _ values: [String]) async throws {
        for (key, value) in zip(keys, values) { try await check(clerk, key, value) }
    }

    /// For each key: check it, then append a fresh random string of `length` to it (the lab's
    /// "read + Append" round); returns the new expected values.
    func checkAndAppend(_ clerk: ShardKVClerk, _ keys: [String], _ values: [String], length: Int) async throws -> [String] {
        var values = values
        for (i, key) in keys.enumerated() {
            try await check(clerk, key, values[i])
            let x = lab.randomString(length)
            try await append(clerk, key, x)
            values[i] += x
        }
        return values
    }
}
