/// A single integer register: `write(v)` sets it, `read` returns it (initially 0).
public struct RegisterModel: Model {
    public enum Input: Sendable, Hashable {
        case read
        case write(Int)
    }

    public init() {}

    public var initialState: Int { 0 }

    /// Output of a read: the value read (ignored for writes).
    public func step(_ state: Int, _ input: Input, _ output: Int?) -> Int? {
        switch input {
        case .write(let value): return value
        case .read:
            guard let output else { return state }
            return output == state ? state : nil
        }
    }
}
