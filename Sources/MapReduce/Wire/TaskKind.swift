/// `skv.mapreduce.TaskKind`: what a worker is told to do next. Proto3 enums are open, so an
/// unknown number is kept as it is (a worker treats it as a protocol violation).
public struct TaskKind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Nothing is assignable right now: ask again after a short wait.
    public static let wait = TaskKind(rawValue: 0)
    /// Run a map task.
    public static let map = TaskKind(rawValue: 1)
    /// Run a reduce task.
    public static let reduce = TaskKind(rawValue: 2)
    /// The job is done: exit.
    public static let exit = TaskKind(rawValue: 3)

    public var description: String {
        switch self {
        case .wait: "wait"
        case .map: "map"
        case .reduce: "reduce"
        case .exit: "exit"
        default: "TaskKind(\(rawValue))"
        }
    }
}
