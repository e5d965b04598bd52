/// The standard gRPC interop test cases this framework implements, named as in grpc/grpc
/// `doc/interop-test-descriptions.md` (the raw value is the `--test_case` name).
public enum InteropCase: String, CaseIterable, Sendable, CustomStringConvertible {
    case emptyUnary = "empty_unary"
    case largeUnary = "large_unary"
    case clientStreaming = "client_streaming"
    case serverStreaming = "server_streaming"
    case pingPong = "ping_pong"
    case emptyStream = "empty_stream"
    case customMetadata = "custom_metadata"
    case statusCodeAndMessage = "status_code_and_message"
    case specialStatusMessage = "special_status_message"
    case unimplementedMethod = "unimplemented_method"
    case unimplementedService = "unimplemented_service"
    case timeoutOnSleepingServer = "timeout_on_sleeping_server"
    case cancelAfterBegin = "cancel_after_begin"
    case cancelAfterFirstResponse = "cancel_after_first_response"

    public var description: String { rawValue }
}
