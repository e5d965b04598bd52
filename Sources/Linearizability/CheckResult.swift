/// The verdict on a history.
public enum CheckResult: Sendable, Equatable {
    /// Some order of the operations, consistent with real time, is legal for the model.
    case ok
    /// No such order exists; the failure names the sub-history that has none.
    case illegal(LinearizabilityFailure)
    /// The search ran out of time before reaching a verdict.
    case unknown
}

/// Why a history is not linearizable: the partition that failed and how far the search got.
public struct LinearizabilityFailure: Sendable, Equatable, CustomStringConvertible {
    /// Index of the failing partition (in the order the model returned them).
    public var partition: Int
    /// Indices (into the checked history) of the partition's operations.
    public var operations: [Int]
    /// The most operations of the partition the search could linearize before getting stuck.
    public var longestLinearizedPrefix: Int
    /// The failing partition's operations, rendered by the model, in call order.
    public var renderedOperations: [String]

    public var description: String {
        "partition \(partition): no linearization of \(operations.count) operations "
            + "(at most \(longestLinearizedPrefix) linearized):\n  "
            + renderedOperations.joined(separator: "\n  ")
    }
}
