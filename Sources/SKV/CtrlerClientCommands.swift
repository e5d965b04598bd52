import ArgumentParser
import ShardController

/// `skv ctrler join GID=HOST:PORT,HOST:PORT... ...`: adds replica groups (each gid with its
/// servers' addresses) and rebalances the shards.
struct CtrlerJoinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join", abstract: "Add replica groups and rebalance the shards.")
    @OptionGroup var options: CtrlerClientOptions
    @Argument(help: "A group to add, GID=HOST:PORT,HOST:PORT,... (its servers' addresses).")
    var groups: [String]

    func run() async throws {
        let groups: [UInt64: [String]]
        do throws(SKVError) {
            groups = try Self.parse(self.groups)
        } catch {
            fail(error.message, status: SKVCommand.exitBadOptions)
        }
        let gids = groups.keys.sorted()
        await options.change("joined \(gidList(gids))", gids: gids) { clerk throws(ShardCtrlerClerkError) in
            try await clerk.join(groups)
        }
    }

    /// The groups by gid, each server address normalized (`[::1]:7001`).
    static func parse(_ arguments: [String]) throws(SKVError) -> [UInt64: [String]] {
        guard !arguments.isEmpty else { throw SKVError("join needs at least one GID=HOST:PORT,... group") }
        var groups: [UInt64: [String]] = [:]
        for argument in arguments {
            guard let equals = argument.firstIndex(of: "="), let gid = UInt64(argument[..<equals]), gid > 0 else {
                throw SKVError("invalid group '\(argument)': expected GID=HOST:PORT,... with a positive gid")
            }
            guard groups[gid] == nil else { throw SKVError("group \(gid) is listed twice") }
            let servers = try Endpoint.list(
                parsing: String(argument[argument.index(after: equals)...]), option: "group \(gid)")
            guard servers.allSatisfy({ $0.id == nil }) else {
                throw SKVError("invalid group '\(argument)': servers are HOST:PORT, without ids")
            }
            groups[gid] = servers.map { "\($0.address)" }
        }
        return groups
    }
}

/// `skv ctrler leave GID... [--force]`: removes replica groups and gives their shards to the
/// others. Removing the last groups would leave every shard (and its data) without a group:
/// the controller refuses that (exit 1) unless `--force` is given.
struct CtrlerLeaveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leave", abstract: "Remove replica groups and rebalance their shards onto the others.")
    @OptionGroup var options: CtrlerClientOptions
    @Argument(help: "The gids of the groups to remove.")
    var gids: [UInt64]
    @Flag(help: "Remove the last groups even though no group would then serve the shards.")
    var force = false

    func run() async throws {
        guard !gids.isEmpty else { fail("leave needs at least one gid", status: SKVCommand.exitBadOptions) }
        if gids.contains(ShardConfig.noGroup) { fail("gid 0 is not a group", status: SKVCommand.exitBadOptions) }
        await options.change("left \(gidList(gids))", gids: gids) { clerk throws(ShardCtrlerClerkError) in
            try await clerk.leave(gids, force: force)
        }
    }
}

/// `skv ctrler move SHARD GID`: assigns one shard to a group (no rebalance).
struct CtrlerMoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "move", abstract: "Assign one shard to a group.")
    @OptionGroup var options: CtrlerClientOptions
    @Argument(help: "The shard, 0..<\(ShardConfig.shardCount).")
    var shard: Int
    @Argument(help: "The gid of the group to serve it.")
    var gid: UInt64

    func run() async throws {
        guard 0..<ShardConfig.shardCount ~= shard else {
            let count = ShardConfig.shardCount
            fail(
                "shard \(shard) is out of range (there are \(count): 0...\(count - 1))",
                status: SKVCommand.exitBadOptions)
        }
        if gid == ShardConfig.noGroup { fail("gid 0 is not a group", status: SKVCommand.exitBadOptions) }
        await options.change("moved shard \(shard) to \(gid)", gids: [gid]) { clerk throws(ShardCtrlerClerkError) in
            try await clerk.move(shard: shard, to: gid)
        }
    }
}

/// `skv ctrler query [NUM] [--json]`: prints a configuration (the latest by default): its
/// number, each shard's group and every group's servers.
struct CtrlerQueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query", abstract: "Print a configuration (the latest by default).")
    @OptionGroup var options: CtrlerClientOptions
    @Argument(help: "The configuration number (-1 or past the latest: the latest).")
    var num: Int64 = QueryRequest.latest
    @Flag(help: "Print the configuration as one JSON object.")
    var json = false

    func run() async throws {
        guard num >= QueryRequest.latest else {
            fail("configuration \(num) does not exist", status: SKVCommand.exitBadOptions)
        }
        let config = await options.withClerk { clerk throws(ShardCtrlerClerkError) in try await clerk.query(num) }
        print(json ? Self.json(config) : Self.text(config))
    }

    /// `configuration N`, `shards: 0=GID 1=GID ...` (`-` for no group), then one
    /// `group GID (K shards): HOST:PORT,...` line per group.
    static func text(_ config: ShardConfig) -> String {
        var lines = ["configuration \(config.num)"]
        let shards = config.shards.enumerated().map { shard, gid in
            "\(shard)=" + (gid == ShardConfig.noGroup ? "-" : "\(gid)")
        }
        lines.append("shards: " + shards.joined(separator: " "))
        let counts = config.shardCountsByGroup
        for gid in config.gids {
            let count = counts[gid] ?? 0
            lines.append(
                "group \(gid) (\(count) shard\(count == 1 ? "" : "s")): "
                    + (config.groups[gid] ?? []).joined(separator: ","))
        }
        return lines.joined(separator: "\n")
    }

    /// `{"num":N,"shards":[GID,...],"groups":{"GID":["HOST:PORT",...],...}}` (gid 0: no group).
    static func json(_ config: ShardConfig) -> String {
        let shards = config.shards.map(String.init).joined(separator: ",")
        let groups = config.gids.map { gid in
            "\"\(gid)\":[" + (config.groups[gid] ?? []).map(JSONValue.quoted).joined(separator: ",") + "]"
        }
        return "{\"num\":\(config.num),\"shards\":[\(shards)],\"groups\":{\(groups.joined(separator: ","))}}"
    }
}
