public import RPCCore

/// What a unary-shaped call ended with, comparable across two ways of making it (the tests that
/// check `RPCClient.unary` against the general streaming path).
public enum CallOutcome: Equatable, Sendable {
    case response(metadata: Metadata, message: String, trailers: Metadata)
    case error(RPCError)
    /// An error that is not an `RPCError` (a test expects none).
    case unexpected(String)

    /// Runs `call` and records how it ended.
    public static func of(_ call: () async throws -> ClientResponse<String>) async -> CallOutcome {
        do {
            let response = try await call()
            return .response(
                metadata: response.metadata, message: response.message, trailers: response.trailingMetadata)
        } catch let error as RPCError {
            return .error(error)
        } catch {
            return .unexpected("\(error)")
        }
    }

    public var isUnexpected: Bool {
        if case .unexpected = self { return true } else { return false }
    }
}
