/// The sequential specification of swift-skv's key/value API, as in the 6.824 KV model plus
/// delete and compare-and-swap.
///
/// The history is partitioned by key; each key's state is a string, initially `""` (a key
/// that was never written or was deleted reads as `""`, as in the labs' Get). `get` is legal
/// iff its output equals the state; `put` sets it; `append` appends; `delete` clears it;
/// `compareAndSwap` is legal iff its `swapped` output says whether the state equalled
/// `expected`, and sets the new value if it did. Outputs of put/append/delete are ignored. An
/// operation with an unknown output (pending) is legal in every state.
public struct KVModel: Model {
    public enum Input: Sendable, Hashable, CustomStringConvertible {
        case get(key: String)
        case put(key: String, value: String)
        case append(key: String, value: String)
        case delete(key: String)
        case compareAndSwap(key: String, expected: String, new: String)

        public var key: String {
            switch self {
            case .get(let key), .put(let key, _), .append(let key, _), .delete(let key),
                .compareAndSwap(let key, _, _):
                key
            }
        }

        public var description: String {
            switch self {
            case .get(let key): "get(\(key))"
            case .put(let key, let value): "put(\(key), \(value.debugDescription))"
            case .append(let key, let value): "append(\(key), \(value.debugDescription))"
            case .delete(let key): "delete(\(key))"
            case .compareAndSwap(let key, let expected, let new):
                "cas(\(key), \(expected.debugDescription) -> \(new.debugDescription))"
            }
        }
    }

    public enum Output: Sendable, Hashable, CustomStringConvertible {
        /// The value a get returned.
        case value(String)
        /// Whether a compare-and-swap swapped.
        case swapped(Bool)
        /// The acknowledgement of a put, append or delete.
        case done

        public var description: String {
            switch self {
            case .value(let v): v.debugDescription
            case .swapped(let s): s ? "swapped" : "not swapped"
            case .done: "ok"
            }
        }
    }

    public init() {}

    public var initialState: String { "" }

    public func step(_ state: String, _ input: Input, _ output: Output?) -> String? {
        switch input {
        case .get:
            guard let output else { return state }
            guard case .value(let value) = output else { return nil }
            return value == state ? state : nil
        case .put(_, let value):
            return value
        case .append(_, let value):
            return state + value
        case .delete:
            return ""
        case .compareAndSwap(_, let expected, let new):
            guard let output else {
                // Unknown outcome: the operation itself is deterministic in `state`.
                return state == expected ? new : state
            }
            guard case .swapped(let swapped) = output, swapped == (state == expected) else { return nil }
            return swapped ? new : state
        }
    }

    public func partition(_ history: [HistoryOperation<Input, Output>]) -> [[Int]] {
        var byKey: [String: [Int]] = [:]
        for (i, op) in history.enumerated() { byKey[op.input.key, default: []].append(i) }
        return byKey.keys.sorted().map { byKey[$0]! }
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        "\(input) -> \(output.map(\.description) ?? "?")"
    }
}
