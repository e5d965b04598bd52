public import RPCCore

/// Runs the standard interop cases (``InteropCase``) against a `grpc.testing.TestService`
/// server reachable through one ``RPCClient``, whatever its transport.
///
/// ``run(_:)`` runs one case and returns normally if every assertion of the case description
/// held; otherwise it throws an ``InteropCaseFailure`` (an assertion failed, or the call failed
/// in an unexpected way). Cases are independent and may run concurrently.
public struct InteropClient: Sendable {
    public let testService: TestServiceClient
    public let unimplementedService: UnimplementedServiceClient
    /// The longest a single case may take before it is abandoned and reported as failed.
    public let caseTimeout: Duration

    /// - Parameter caseTimeout: must be positive; the default is generous for loaded CI hosts.
    public init(client: RPCClient, caseTimeout: Duration = .seconds(30)) {
        precondition(caseTimeout > .zero, "caseTimeout must be positive")
        self.testService = TestServiceClient(wrapping: client)
        self.unimplementedService = UnimplementedServiceClient(wrapping: client)
        self.caseTimeout = caseTimeout
    }

    /// Runs one case; throws ``InteropCaseFailure`` if it fails (including by timing out).
    public func run(_ testCase: InteropCase) async throws(InteropCaseFailure) {
        let timeout = caseTimeout
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await self.body(of: testCase) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw InteropCaseFailure("The case did not finish within \(timeout).")
                }
                defer { group.cancelAll() }
                try await group.next()
            }
        } catch let failure as InteropCaseFailure {
            throw failure
        } catch {
            throw InteropCaseFailure("Unexpected error: \(error)")
        }
    }

    private func body(of testCase: InteropCase) async throws {
        switch testCase {
        case .emptyUnary: try await emptyUnary()
        case .largeUnary: try await largeUnary()
        case .clientStreaming: try await clientStreaming()
        case .serverStreaming: try await serverStreaming()
        case .pingPong: try await pingPong()
        case .emptyStream: try await emptyStream()
        case .customMetadata: try await customMetadata()
        case .statusCodeAndMessage: try await statusCodeAndMessage()
        case .specialStatusMessage: try await specialStatusMessage()
        case .unimplementedMethod: try await unimplementedMethod()
        case .unimplementedService: try await unimplementedServiceCase()
        case .timeoutOnSleepingServer: try await timeoutOnSleepingServer()
        case .cancelAfterBegin: try await cancelAfterBegin()
        case .cancelAfterFirstResponse: try await cancelAfterFirstResponse()
        }
    }
}

// MARK: - Assertions shared by the cases

/// Throws `InteropCaseFailure(message)` unless `condition` holds.
func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws(InteropCaseFailure) {
    if !condition { throw InteropCaseFailure(message()) }
}

/// Checks that `payload` is `size` zero bytes; `what` names it in the failure.
func expectZeros(_ payload: Payload?, size: Int, _ what: String) throws(InteropCaseFailure) {
    guard let payload else { throw InteropCaseFailure("\(what) has no payload (expected \(size) bytes).") }
    try expect(payload.body.count == size, "\(what) payload is \(payload.body.count) bytes, expected \(size).")
    try expect(payload.body.allSatisfy { $0 == 0 }, "\(what) payload is not all zeros.")
}

/// Runs `call`, which must fail with `code` (and `message`, if given).
func expectStatus(
    _ code: Status.Code,
    message: String? = nil,
    _ what: String,
    _ call: () async throws -> Void
) async throws(InteropCaseFailure) {
    do {
        try await call()
    } catch let failure as InteropCaseFailure {
        throw failure
    } catch {
        let rpcError = RPCError(wrapping: error)
        try expect(rpcError.code == code, "\(what) failed with \(rpcError.code) (\(rpcError.message)), expected \(code).")
        if let message {
            try expect(
                rpcError.message == message,
                "\(what) status message is \(rpcError.message.debugDescription), expected \(message.debugDescription).")
        }
        return
    }
    throw InteropCaseFailure("\(what) succeeded, expected status \(code).")
}
