public import RPCCore
public import RPCProtobuf
public import ShardController
import RSM
internal import CProtobufC
internal import CProtos

/// `skv.shardkv.Command`: one entry of a ShardKV group's log (inside an `skv.rsm.Envelope`
/// whose session is unused). Decoding rejects (`INVALID_ARGUMENT`) unknown kinds and
/// operations, shard numbers out of range, and an InstallConfig without a configuration.
public enum ShardKVCommand: Sendable, Hashable, ProtobufCConvertible {
    /// A client's Get/Put/Append/Delete.
    case clientOperation(ShardKVOperation)
    /// Move to `config` (the driver logs it after fetching it from the controller).
    case installConfig(ShardConfig)
    /// The data of shards pulled from their previous owner for configuration `configNum`.
    case insertShards(configNum: UInt64, data: [ShardData])
    /// The new owner of `shards` in configuration `configNum` has their data: drop our copy.
    case deleteShards(configNum: UInt64, shards: [Int])
    /// The previous owner of `shards` confirmed it deleted them (configuration `configNum`).
    case shardsGarbageCollected(configNum: UInt64, shards: [Int])

    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__shardkv__command__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let m = arena.allocate(Skv__Shardkv__Command.self, initializer: skv__shardkv__command__init)
        switch self {
        case .clientOperation(let operation):
            m.pointee.kind = SKV__SHARDKV__COMMAND_KIND__COMMAND_CLIENT_OP
            m.pointee.op = switch operation.kind {
            case .get: SKV__SHARDKV__CLIENT_OP__CLIENT_OP_GET
            case .put: SKV__SHARDKV__CLIENT_OP__CLIENT_OP_PUT
            case .append: SKV__SHARDKV__CLIENT_OP__CLIENT_OP_APPEND
            case .delete: SKV__SHARDKV__CLIENT_OP__CLIENT_OP_DELETE
            case .openSession: SKV__SHARDKV__CLIENT_OP__CLIENT_OP_OPEN_SESSION
            }
            m.pointee.key = WireBytes.field(operation.key, in: arena)
            m.pointee.value = WireBytes.field(operation.value, in: arena)
            let session: WireSession? = operation.session.map { WireSession($0) }
            m.pointee.session = try arena.message(session, as: Skv__Rsm__Session.self)
        case .installConfig(let config):
            m.pointee.kind = SKV__SHARDKV__COMMAND_KIND__COMMAND_INSTALL_CONFIG
            let wireConfig: UnsafeMutablePointer<Skv__Shardctrler__Config> = try arena.message(
                config, as: Skv__Shardctrler__Config.self)
            m.pointee.config = wireConfig
        case .insertShards(let configNum, let data):
            m.pointee.kind = SKV__SHARDKV__COMMAND_KIND__COMMAND_INSERT_SHARDS
            m.pointee.config_num = configNum
            m.pointee.n_shards_data = data.count
            m.pointee.shards_data = try arena.messages(data, as: Skv__Shardkv__ShardData.self)
        case .deleteShards(let configNum, let shards):
            m.pointee.kind = SKV__SHARDKV__COMMAND_KIND__COMMAND_DELETE_SHARDS
            m.pointee.config_num = configNum
            m.pointee.n_shards = shards.count
            m.pointee.shards = WireShards.field(shards, in: arena)
        case .shardsGarbageCollected(let configNum, let shards):
            m.pointee.kind = SKV__SHARDKV__COMMAND_KIND__COMMAND_SHARDS_GARBAGE_COLLECTED
            m.pointee.config_num = configNum
            m.pointee.n_shards = shards.count
            m.pointee.shards = WireShards.field(shards, in: arena)
        }
        return ProtobufCMessagePointer(m)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Shardkv__Command.self).pointee
        switch c.kind {
        case SKV__SHARDKV__COMMAND_KIND__COMMAND_CLIENT_OP:
            let kind: ShardKVOperation.Kind
            switch c.op {
            case SKV__SHARDKV__CLIENT_OP__CLIENT_OP_GET: kind = .get
            case SKV__SHARDKV__CLIENT_OP__CLIENT_OP_PUT: kind = .put
            case SKV__SHARDKV__CLIENT_OP__CLIENT_OP_APPEND: kind = .append
            case SKV__SHARDKV__CLIENT_OP__CLIENT_OP_DELETE: kind = .delete
            case SKV__SHARDKV__CLIENT_OP__CLIENT_OP_OPEN_SESSION: kind = .openSession
            default: throw RPCError(code: .invalidArgument, message: "Unknown skv.shardkv.ClientOp \(c.op.rawValue).")
            }
            let session = try ProtobufCField.message(c.session, as: WireSession.self)?.session
            self = .clientOperation(
                ShardKVOperation(
                    kind: kind, key: WireBytes.value(c.key), value: WireBytes.value(c.value), session: session))
        case SKV__SHARDKV__COMMAND_KIND__COMMAND_INSTALL_CONFIG:
            guard let config = try ProtobufCField.message(c.config, as: ShardConfig.self) else {
                throw RPCError(code: .invalidArgument, message: "InstallConfig without a configuration.")
            }
            self = .installConfig(config)
        case SKV__SHARDKV__COMMAND_KIND__COMMAND_INSERT_SHARDS:
            self = .insertShards(
                configNum: c.config_num,
                data: try ProtobufCField.messages(c.shards_data, count: c.n_shards_data, as: ShardData.self))
        case SKV__SHARDKV__COMMAND_KIND__COMMAND_DELETE_SHARDS:
            self = .deleteShards(configNum: c.config_num, shards: try WireShards.values(c.shards, count: c.n_shards))
        case SKV__SHARDKV__COMMAND_KIND__COMMAND_SHARDS_GARBAGE_COLLECTED:
            self = .shardsGarbageCollected(
                configNum: c.config_num, shards: try WireShards.values(c.shards, count: c.n_shards))
        default:
            throw RPCError(code: .invalidArgument, message: "Unknown skv.shardkv.CommandKind \(c.kind.rawValue).")
        }
    }
}
