public import RPCCore

/// Names of `grpc.testing.UnimplementedService`: a service no interop server implements, so
/// that clients can check they receive `UNIMPLEMENTED` for an unknown service.
public enum UnimplementedService {
    public static let name = "grpc.testing.UnimplementedService"

    public enum Methods {
        public static let unimplementedCall = MethodDescriptor(service: UnimplementedService.name, method: "UnimplementedCall")
    }
}
