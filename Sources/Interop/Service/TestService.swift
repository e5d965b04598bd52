public import RPCCore

/// Names of `grpc.testing.TestService`, the service every gRPC implementation's interop
/// server exposes (see `Protos/test.proto`).
public enum TestService {
    /// The fully qualified service name.
    public static let name = "grpc.testing.TestService"

    /// One descriptor per RPC of the service, including `UnimplementedCall`, which clients
    /// call and servers deliberately do not register.
    public enum Methods {
        public static let emptyCall = MethodDescriptor(service: TestService.name, method: "EmptyCall")
        public static let unaryCall = MethodDescriptor(service: TestService.name, method: "UnaryCall")
        public static let streamingOutputCall = MethodDescriptor(service: TestService.name, method: "StreamingOutputCall")
        public static let streamingInputCall = MethodDescriptor(service: TestService.name, method: "StreamingInputCall")
        public static let fullDuplexCall = MethodDescriptor(service: TestService.name, method: "FullDuplexCall")
        public static let halfDuplexCall = MethodDescriptor(service: TestService.name, method: "HalfDuplexCall")
        public static let unimplementedCall = MethodDescriptor(service: TestService.name, method: "UnimplementedCall")

        /// The methods a `TestService` server registers (all but `UnimplementedCall`).
        public static let implemented: [MethodDescriptor] = [
            emptyCall, unaryCall, streamingOutputCall, streamingInputCall, fullDuplexCall, halfDuplexCall,
        ]
    }
}
