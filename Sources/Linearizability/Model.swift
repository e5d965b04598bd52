/// A sequential specification that histories are checked against.
///
/// `step` says whether an operation with the given input and output is legal in `state`, and
/// if so, the state after it. An operation whose output is unknown (`nil`, a pending call) is
/// legal wherever its input could have been applied: models must accept it without checking an
/// output. `partition` may split a history into independent sub-histories (for a key/value
/// store: one per key), which are checked separately — much faster, and equivalent when
/// operations on different parts never interact.
public protocol Model: Sendable {
    associatedtype Input: Sendable
    associatedtype Output: Sendable
    associatedtype State: Hashable & Sendable

    var initialState: State { get }

    /// The state after `input` with `output` in `state`, or `nil` if that is illegal.
    func step(_ state: State, _ input: Input, _ output: Output?) -> State?

    /// Groups of operation indices (into `history`) to check independently. Every index must
    /// appear in exactly one group.
    func partition(_ history: [HistoryOperation<Input, Output>]) -> [[Int]]

    /// A short human-readable rendering of an operation, for failure reports.
    func describe(_ input: Input, _ output: Output?) -> String
}

extension Model {
    public func partition(_ history: [HistoryOperation<Input, Output>]) -> [[Int]] {
        [Array(history.indices)]
    }

    public func describe(_ input: Input, _ output: Output?) -> String {
        "\(input) -> \(output.map { "\($0)" } ?? "?")"
    }
}
