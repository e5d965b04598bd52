/// Why an interop case failed: a sentence naming the assertion that did not hold, with the
/// expected and actual values.
public struct InteropCaseFailure: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
