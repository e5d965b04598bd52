public import RPCCore

/// `skv.kv.KV`: the public key/value service (handwritten stub; see `KVServiceProtocol` and
/// `KVClient`).
public enum KVService {
    public enum Methods {
        public static let get = MethodDescriptor(service: "skv.kv.KV", method: "Get")
        public static let openSession = MethodDescriptor(service: "skv.kv.KV", method: "OpenSession")
        public static let put = MethodDescriptor(service: "skv.kv.KV", method: "Put")
        public static let append = MethodDescriptor(service: "skv.kv.KV", method: "Append")
        public static let delete = MethodDescriptor(service: "skv.kv.KV", method: "Delete")
        public static let compareAndSwap = MethodDescriptor(service: "skv.kv.KV", method: "CompareAndSwap")
        public static let status = MethodDescriptor(service: "skv.kv.KV", method: "Status")
        public static let snapshot = MethodDescriptor(service: "skv.kv.KV", method: "Snapshot")
    }
}
