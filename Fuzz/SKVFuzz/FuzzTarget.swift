/// The fuzz targets: each feeds arbitrary bytes to one family of input parsers and checks
/// that they answer with a value or an error, never a crash, and that what they accept
/// survives a round trip.
enum FuzzTarget: String, CaseIterable, Sendable {
    /// Raft RPC and persistence messages (`skv.raft`): StepRequest, StepResponse,
    /// PersistentState, the persisted snapshot blob, and the `skv.raft.Membership` messages.
    case raftWire = "raft-wire"
    /// KV service requests, replies, commands and the KV state machine's snapshot.
    case kvWire = "kv-wire"
    /// Shard controller requests, replies, commands and its state machine's snapshot.
    case shardCtrlerWire = "shardctrler-wire"
    /// ShardKV requests, replies, commands, shard transfers and its state machine's snapshot.
    case shardKVWire = "shardkv-wire"
    /// The RSM envelope, service snapshot and session records.
    case rsmWire = "rsm-wire"
    /// MapReduce coordinator RPC messages.
    case mapReduceWire = "mapreduce-wire"
    /// The sans-I/O gRPC-over-HTTP/2 server connection, fed arbitrary client bytes.
    case http2Server = "http2-server"
    /// The sans-I/O gRPC-over-HTTP/2 client connection with calls in flight, fed arbitrary
    /// server bytes.
    case http2Client = "http2-client"
    /// Recovery of a `DiskRaftStore` (WAL segments, snapshot files, hard state) over
    /// arbitrary file contents in an in-memory file system.
    case storage = "storage"
    /// A sans-I/O `RaftNode` stepped through fuzzer-chosen messages of every kind, ticks,
    /// requests, `Ready` cycles, compactions and restarts, with Raft's invariants checked after
    /// each step (``RaftNodeFuzzing``).
    case raftNode = "raft-node"

    func run(_ bytes: [UInt8]) {
        switch self {
        case .raftWire: WireFuzzing.raft(bytes)
        case .kvWire: WireFuzzing.kv(bytes)
        case .shardCtrlerWire: WireFuzzing.shardCtrler(bytes)
        case .shardKVWire: WireFuzzing.shardKV(bytes)
        case .rsmWire: WireFuzzing.rsm(bytes)
        case .mapReduceWire: WireFuzzing.mapReduce(bytes)
        case .http2Server: HTTP2ServerFuzzing.run(bytes)
        case .http2Client: HTTP2ClientFuzzing.run(bytes)
        case .storage: StorageFuzzing.run(bytes)
        case .raftNode: RaftNodeFuzzing.run(bytes)
        }
    }
}
