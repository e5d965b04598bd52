public import RPCCore

/// `skv.shardctrler.ShardCtrler`: the shard controller service (handwritten stub; see
/// `ShardCtrlerServiceProtocol` and `ShardCtrlerClient`).
public enum ShardCtrlerService {
    public enum Methods {
        public static let openSession = MethodDescriptor(
            service: "skv.shardctrler.ShardCtrler", method: "OpenSession")
        public static let join = MethodDescriptor(service: "skv.shardctrler.ShardCtrler", method: "Join")
        public static let leave = MethodDescriptor(service: "skv.shardctrler.ShardCtrler", method: "Leave")
        public static let move = MethodDescriptor(service: "skv.shardctrler.ShardCtrler", method: "Move")
        public static let setServers = MethodDescriptor(service: "skv.shardctrler.ShardCtrler", method: "SetServers")
        public static let query = MethodDescriptor(service: "skv.shardctrler.ShardCtrler", method: "Query")
        public static let status = MethodDescriptor(service: "skv.shardctrler.ShardCtrler", method: "Status")
    }
}
