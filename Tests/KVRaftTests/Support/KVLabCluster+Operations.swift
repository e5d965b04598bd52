import KVRaft
import LabHarness
import Linearizability

/// The lab's clerk helpers (`Get`, `Put`, `Append`, `check`) and append checks: each helper
/// operation is counted and, given a history, recorded for the linearizability check
/// (`OperationHistory.checkLinearizable()`).
extension KVLabCluster {
    nonisolated func get(
        _ clerk: LabClerk, _ key: String, history: OperationHistory? = nil, client: Int = -1
    ) async throws -> String {
        let call = history?.now() ?? 0
        let value = try await clerk.clerk.get(key)
        countOperation()
        if let history {
            history.append(.init(clientID: client, input: .get(key: key), call: call, output: .value(value), return: history.now()))
        }
        return value
    }

    nonisolated func put(
        _ clerk: LabClerk, _ key: String, _ value: String, history: OperationHistory? = nil, client: Int = -1
    ) async throws {
        let call = history?.now() ?? 0
        try await clerk.clerk.put(key, value)
        countOperation()
        if let history {
            history.append(
                .init(clientID: client, input: .put(key: key, value: value), call: call, output: .done, return: history.now()))
        }
    }

    nonisolated func append(
        _ clerk: LabClerk, _ key: String, _ value: String, history: OperationHistory? = nil, client: Int = -1
    ) async throws {
        let call = history?.now() ?? 0
        try await clerk.clerk.append(key, value)
        countOperation()
        if let history {
            history.append(
                .init(
                    clientID: client, input: .append(key: key, value: value), call: call, output: .done,
                    return: history.now()))
        }
    }

    /// Get must return `expected`.
    nonisolated func check(_ clerk: LabClerk, _ key: String, _ expected: String) async throws {
        let value = try await get(clerk, key)
        guard value == expected else { throw LabFailure("Get(\(key)): expected:\n\(expected)\nreceived:\n\(value)") }
    }

    /// `value` must contain client `client`'s elements `"x client j y"` for j < `count`, each
    /// exactly once and in order (the lab's `checkClntAppends`). Values are concatenations of
    /// such elements, so this parses them (linear time) instead of searching substrings.
    static func checkClientAppends(_ client: Int, _ value: String, _ count: Int) throws {
        guard let elements = appendedElements(value) else {
            throw LabFailure("\(client): Append result is not a list of \"x c j y\" elements: \(value)")
        }
        var positions: [Int: [Int]] = [:]
        for (position, element) in elements.enumerated() where element.client == client {
            positions[element.j, default: []].append(position)
        }
        var lastPosition = -1
        for j in 0..<count {
            guard let found = positions[j] else {
                throw LabFailure("\(client) missing element x \(client) \(j) y in Append result \(value)")
            }
            guard found.count == 1 else { throw LabFailure("duplicate element x \(client) \(j) y in Append result") }
            guard found[0] > lastPosition else {
                throw LabFailure("wrong order for element x \(client) \(j) y in Append result")
            }
            lastPosition = found[0]
        }
    }

    /// Parses concatenated "x c j y" elements; `nil` if `value` is anything else.
    static func appendedElements(_ value: String) -> [(client: Int, j: Int)]? {
        let bytes = Array(value.utf8)
        var elements: [(client: Int, j: Int)] = []
        var p = 0
        func expect(_ byte: UInt8) -> Bool {
            guard p < bytes.count, bytes[p] == byte else { return false }
            p += 1
            return true
        }
        func number() -> Int? {
            var result = 0
            let start = p
            while p < bytes.count, bytes[p] >= UInt8(ascii: "0"), bytes[p] <= UInt8(ascii: "9") {
                result = result * 10 + Int(bytes[p] - UInt8(ascii: "0"))
                p += 1
            }
            return p > start ? result : nil
        }
        while p < bytes.count {
            guard expect(UInt8(ascii: "x")), expect(UInt8(ascii: " ")), let c = number(), expect(UInt8(ascii: " ")),
                let j = number(), expect(UInt8(ascii: " ")), expect(UInt8(ascii: "y"))
            else { return nil }
            elements.append((c, j))
        }
        return elements
    }

    /// `value` must contain every client's elements exactly once and each client's in order
    /// (the lab's `checkConcurrentAppends`).
    static func checkConcurrentAppends(_ value: String, counts: [Int]) throws {
        for (client, count) in counts.enumerated() {
            try checkClientAppends(client, value, count)
        }
    }
}
