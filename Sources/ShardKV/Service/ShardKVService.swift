public import RPCCore

/// `skv.shardkv.ShardKV` (the client API) and `skv.shardkv.ShardMigration` (between replica
/// groups): handwritten stubs; see ``ShardKVServiceProtocol``, ``ShardMigrationServiceProtocol``,
/// and ``ShardKVClient`` (both services).
public enum ShardKVService {
    public enum Methods {
        public static let get = MethodDescriptor(service: "skv.shardkv.ShardKV", method: "Get")
        public static let openSession = MethodDescriptor(service: "skv.shardkv.ShardKV", method: "OpenSession")
        public static let put = MethodDescriptor(service: "skv.shardkv.ShardKV", method: "Put")
        public static let append = MethodDescriptor(service: "skv.shardkv.ShardKV", method: "Append")
        public static let delete = MethodDescriptor(service: "skv.shardkv.ShardKV", method: "Delete")
        public static let status = MethodDescriptor(service: "skv.shardkv.ShardKV", method: "Status")
    }

    public enum MigrationMethods {
        public static let pullShards = MethodDescriptor(service: "skv.shardkv.ShardMigration", method: "PullShards")
        public static let deleteShards = MethodDescriptor(
            service: "skv.shardkv.ShardMigration", method: "DeleteShards")
    }
}
