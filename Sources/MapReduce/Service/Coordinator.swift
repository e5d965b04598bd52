public import RPCCore

/// Names of `skv.mapreduce.Coordinator` (see `Protos/mapreduce.proto`): the service a
/// MapReduce coordinator serves and workers call.
public enum Coordinator {
    /// The fully qualified service name.
    public static let name = "skv.mapreduce.Coordinator"

    /// One descriptor per RPC of the service.
    public enum Methods {
        public static let requestTask = MethodDescriptor(service: Coordinator.name, method: "RequestTask")
        public static let reportTask = MethodDescriptor(service: Coordinator.name, method: "ReportTask")
    }
}
