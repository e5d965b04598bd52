/// An operating error of the MapReduce framework (bad input, I/O failure, coordinator
/// trouble), with a stable code and a one-line human message.
public struct MapReduceError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: Hashable, Sendable {
        /// No application is registered under the requested name.
        case unknownApp
        /// A file could not be read, written, renamed or listed (`errno` in the message).
        case io
        /// An intermediate file is not in ``IntermediateFileCodec`` format.
        case malformedIntermediateFile
        /// The coordinator could not be reached within the retry budget.
        case coordinatorUnreachable
        /// The coordinator answered with an error or something a worker cannot act on.
        case coordinatorFailed
        /// A command-line argument is invalid.
        case invalidArgument
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
