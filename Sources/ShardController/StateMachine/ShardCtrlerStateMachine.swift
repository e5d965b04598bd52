public import RSM
import RPCProtobuf

/// The configuration history of one shard controller replica, and the one place the
/// controller's operations are defined (6.824 Lab 4A).
///
/// - Join: adds the groups (none may exist yet: `.groupExists`) and ``rebalance(_:among:)``s.
/// - Leave: removes the groups (all must exist: `.noGroup`) and rebalances their shards onto
///   the remaining groups. With none left every shard goes to gid 0 if the Leave is forced
///   (the lab's Leave); otherwise it answers `.wouldOrphanShards` and changes nothing.
/// - Move: assigns one shard to an existing group (`.noGroup` otherwise), no rebalance.
/// - Query: configuration `num`; -1 or a number past the latest gives the latest.
///
/// Join, Leave and Move each create the next configuration (only on `.ok`); a command that can
/// never execute (see ``ShardCtrlerCommand/invalidReason``) answers `.invalidCommand` and
/// changes nothing. As a ``StateMachine`` it reads `skv.shardctrler.Command` and replies with
/// `skv.shardctrler.CommandResult`; its snapshot is `skv.shardctrler.StateSnapshot` (the whole
/// history, groups sorted by gid).
public struct ShardCtrlerStateMachine: CopyOnWriteStateMachine {
    /// Every configuration, `configs[i].num == i`; never empty.
    public private(set) var configs: [ShardConfig] = [ShardConfig()]

    public init() {}

    /// The latest configuration.
    public var latest: ShardConfig { configs[configs.count - 1] }

    /// Configuration `num`; -1 (or any negative number) or a number past the latest gives the
    /// latest.
    public func config(_ num: Int64) -> ShardConfig {
        guard num >= 0, num < configs.count else { return latest }
        return configs[Int(num)]
    }

    /// Executes one operation.
    public mutating func execute(_ command: ShardCtrlerCommand) -> ShardCtrlerCommandResult {
        guard command.invalidReason == nil else { return ShardCtrlerCommandResult(outcome: .invalidCommand) }
        var next = latest
        next.num += 1
        switch command {
        case .query(let num):
            return ShardCtrlerCommandResult(outcome: .ok, config: config(num))
        case .join(let groups):
            guard groups.keys.allSatisfy({ next.groups[$0] == nil }) else {
                return ShardCtrlerCommandResult(outcome: .groupExists)
            }
            next.groups.merge(groups) { current, _ in current }
            next.shards = rebalance(next.shards, among: next.groups.keys)
        case .leave(let gids, let force):
            guard gids.allSatisfy({ next.groups[$0] != nil }) else {
                return ShardCtrlerCommandResult(outcome: .noGroup)
            }
            for gid in gids { next.groups[gid] = nil }
            let orphans = next.groups.isEmpty && next.shards.contains { $0 != ShardConfig.noGroup }
            guard force || !orphans else { return ShardCtrlerCommandResult(outcome: .wouldOrphanShards) }
            next.shards = rebalance(next.shards, among: next.groups.keys)
        case .move(let shard, let gid):
            guard next.groups[gid] != nil else { return ShardCtrlerCommandResult(outcome: .noGroup) }
            next.shards[Int(shard)] = gid
        case .setServers(let groups):
            guard groups.keys.allSatisfy({ next.groups[$0] != nil }) else {
                return ShardCtrlerCommandResult(outcome: .noGroup)
            }
            // Nothing to change: no new configuration (the groups' servers are already these).
            guard groups.contains(where: { next.groups[$0.key] != $0.value }) else {
                return ShardCtrlerCommandResult(outcome: .ok, configNum: latest.num)
            }
            next.groups.merge(groups) { _, new in new }
        }
        configs.append(next)
        return ShardCtrlerCommandResult(outcome: .ok, configNum: next.num)
    }

    // MARK: StateMachine

    /// Bytes that are not an `skv.shardctrler.Command` (no server writes such an entry) apply
    /// as a no-op with an empty reply, identically on every replica.
    public mutating func apply(_ command: [UInt8], index: UInt64) -> [UInt8] {
        guard let command = try? ProtobufDeserializer<ShardCtrlerCommand>().deserialize(command) else { return [] }
        return Self.encode(execute(command))
    }

    /// Answers a Query command; any other command is not a query and gets an empty reply.
    public func query(_ query: [UInt8]) -> [UInt8] {
        guard let command = try? ProtobufDeserializer<ShardCtrlerCommand>().deserialize(query),
            case .query(let num) = command
        else { return [] }
        guard command.invalidReason == nil else { return Self.encode(ShardCtrlerCommandResult(outcome: .invalidCommand)) }
        return Self.encode(ShardCtrlerCommandResult(outcome: .ok, config: config(num)))
    }

    public func snapshot() -> [UInt8] {
        do {
            return try ProtobufSerializer<ShardCtrlerStateSnapshot>().serialize(ShardCtrlerStateSnapshot(configs: configs))
        } catch {
            preconditionFailure("a controller state snapshot always encodes: \(error)")
        }
    }

    public mutating func restore(_ snapshot: [UInt8]) throws {
        configs = try ProtobufDeserializer<ShardCtrlerStateSnapshot>().deserialize(snapshot).configs
    }

    static func encode(_ result: ShardCtrlerCommandResult) -> [UInt8] {
        do {
            return try ProtobufSerializer<ShardCtrlerCommandResult>().serialize(result)
        } catch {
            preconditionFailure("a command result always encodes: \(error)")
        }
    }
}
