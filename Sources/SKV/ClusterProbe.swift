import KVRaft
import RPCCore
import RSM
import ShardController
import ShardKV

/// Assembles a ``ClusterStatus`` by asking every member for its `Status` (concurrently, each
/// call bounded by ``rpcTimeout``) over a client pool the caller owns: the daemons' status
/// page and the `skv … status` commands share it.
struct ClusterProbe: Sendable {
    /// Clients by server address (kept by a daemon between refreshes; closed by the owner).
    var pool: HTTP2ClientPool
    /// Longest one member's `Status` may take before it is shown as unreachable.
    var rpcTimeout: Duration = .milliseconds(500)

    /// The KV group of the members at `addresses` (by Raft id, when known).
    func kvGroup(_ addresses: [(id: UInt64?, address: String)], observer: String) async -> ClusterStatus {
        let group = await group(name: "kv", addresses) { await kvMember($0, id: $1) }
        return ClusterStatus(kind: .kv, observer: observer, groups: [group])
    }

    /// The controller group of the members at `addresses`, each asked for its controller
    /// `Status`.
    func ctrlerGroup(_ addresses: [(id: UInt64?, address: String)]) async -> ClusterStatus.Group {
        await group(name: "ctrler", addresses) { await ctrlerMember($0, id: $1) }
    }

    /// The controller group at `addresses` and its latest configuration's shard map (by
    /// group only: the groups' own states are the sharded cluster's view).
    func ctrlerCluster(_ addresses: [(id: UInt64?, address: String)], observer: String) async -> ClusterStatus {
        var status = ClusterStatus(kind: .ctrler, observer: observer, groups: [await ctrlerGroup(addresses)])
        do throws(ShardCtrlerClerkError) {
            let config = try await controllerClerk(addresses.map(\.address)).query()
            status.configNum = config.num
            status.shards = Self.shardMap(config, groups: [])
        } catch {
            status.problems.append("the controller group did not answer a query: \(error)")
        }
        return status
    }

    /// Every member probed concurrently, in the order given.
    func probeMembers(
        _ addresses: [(id: UInt64?, address: String)],
        _ probe: @escaping @Sendable (String, UInt64?) async -> ClusterStatus.Member
    ) async -> [ClusterStatus.Member] {
        await withTaskGroup(of: (Int, ClusterStatus.Member).self) { group in
            for (position, member) in addresses.enumerated() {
                group.addTask { (position, await probe(member.address, member.id)) }
            }
            var members: [(Int, ClusterStatus.Member)] = []
            for await member in group { members.append(member) }
            return members.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    private func ctrlerMember(_ address: String, id: UInt64?) async -> ClusterStatus.Member {
        let client = ShardCtrlerClient(wrapping: pool.client(for: address))
        do {
            let reply = try await client.status(options: CallOptions(timeout: rpcTimeout))
            return ClusterStatus.Member(
                address: address, id: reply.id, term: reply.term, isLeader: reply.isLeader,
                leaderID: reply.leader?.leaderID, commitIndex: reply.commitIndex, appliedIndex: reply.appliedIndex,
                configNum: reply.configNum)
        } catch {
            return .unreachable(address, id: id, error: "\(error)")
        }
    }

    private func kvMember(_ address: String, id: UInt64?) async -> ClusterStatus.Member {
        let client = KVClient(wrapping: pool.client(for: address))
        do {
            let reply = try await client.status(options: CallOptions(timeout: rpcTimeout))
            return ClusterStatus.Member(
                address: address, id: reply.id, term: reply.term, isLeader: reply.isLeader,
                leaderID: reply.leader?.leaderID, commitIndex: reply.commitIndex, appliedIndex: reply.appliedIndex,
                snapshotIndex: reply.snapshotIndex, raftStateBytes: reply.raftStateBytes)
        } catch {
            return .unreachable(address, id: id, error: "\(error)")
        }
    }

    /// A controller clerk over the pool's clients to `addresses`, giving up after four RPC
    /// timeouts.
    func controllerClerk(_ addresses: [String]) -> ShardCtrlerClerk {
        var configuration = ShardCtrlerClerk.Configuration()
        configuration.rpcTimeout = rpcTimeout
        configuration.operationTimeout = rpcTimeout * 4
        return ShardCtrlerClerk(
            servers: addresses.map { .init(client: ShardCtrlerClient(wrapping: pool.client(for: $0)), address: $0) },
            configuration: configuration)
    }

    /// The sharded cluster: the controller group at `ctrlers`, its latest configuration
    /// (queried with a clerk that gives up after four RPC timeouts), and every group it names,
    /// each member asked for its ShardKV `Status`.
    func shardCluster(ctrlers: [String], observer: String) async -> ClusterStatus {
        async let ctrlerGroup = ctrlerGroup(ctrlers.map { (id: nil, address: $0) })
        var status: ClusterStatus
        do throws(ShardCtrlerClerkError) {
            let config = try await controllerClerk(ctrlers).query()
            status = await shardCluster(config, observer: observer)
        } catch {
            status = ClusterStatus(kind: .shardkv, observer: observer, groups: [])
            status.problems.append("the controller did not answer: \(error)")
        }
        status.groups.insert(await ctrlerGroup, at: 0)
        return status
    }

    /// The groups of `config`, each member asked for its ShardKV `Status`, and the shard map.
    func shardCluster(_ config: ShardConfig, observer: String) async -> ClusterStatus {
        var status = ClusterStatus(kind: .shardkv, observer: observer, configNum: config.num, groups: [])
        status.groups = await withTaskGroup(of: ClusterStatus.Group.self) { group in
            for gid in config.gids {
                let servers = config.groups[gid] ?? []
                group.addTask { await shardGroup(gid: gid, servers: servers) }
            }
            var groups: [ClusterStatus.Group] = []
            for await result in group { groups.append(result) }
            return groups.sorted { ($0.gid ?? 0) < ($1.gid ?? 0) }
        }
        status.shards = Self.shardMap(config, groups: status.groups)
        return status
    }

    private func shardGroup(gid: UInt64, servers: [String]) async -> ClusterStatus.Group {
        await group(name: "\(gid)", gid: gid, servers.map { (id: nil, address: $0) }) { address, _ in
            await shardMember(address)
        }
    }

    private func shardMember(_ address: String) async -> ClusterStatus.Member {
        let client = ShardKVClient(wrapping: pool.client(for: address))
        do {
            let reply = try await client.status(options: CallOptions(timeout: rpcTimeout))
            return ClusterStatus.Member(
                address: address, id: reply.id, term: reply.term, isLeader: reply.isLeader,
                leaderID: reply.leader?.leaderID, commitIndex: reply.commitIndex, appliedIndex: reply.appliedIndex,
                configNum: reply.configNum,
                shards: reply.shards.map { .init(shard: $0.shard, state: "\($0.status)", keys: $0.keys) })
        } catch {
            return .unreachable(address, error: "\(error)")
        }
    }

    /// Each shard's owner in `config`, and its state as the owner's leader (or, without one,
    /// its first reachable member) reports it. A shard is migrating while its owner pulls it
    /// or waits to delete the old copy, or while another group still holds it to be pulled.
    static func shardMap(_ config: ShardConfig, groups: [ClusterStatus.Group]) -> [ClusterStatus.Shard] {
        func reporter(_ group: ClusterStatus.Group) -> ClusterStatus.Member? {
            group.leader ?? group.members.first { $0.error == nil }
        }
        let byGID = Dictionary(groups.compactMap { group in group.gid.map { ($0, group) } }) { first, _ in first }
        var heldElsewhere = Set<Int>()
        for group in groups {
            for held in reporter(group)?.shards ?? [] where held.state == "\(ShardStatus.bePulled)" {
                heldElsewhere.insert(held.shard)
            }
        }
        return config.shards.enumerated().map { shard, gid in
            let owner = gid == ShardConfig.noGroup ? nil : gid
            let state = owner.flatMap { byGID[$0] }.flatMap(reporter)?.shards.first { $0.shard == shard }?.state
            let moving = state == "\(ShardStatus.pulling)" || state == "\(ShardStatus.gcPending)"
            return ClusterStatus.Shard(
                shard: shard, gid: owner, state: state, migrating: moving || heldElsewhere.contains(shard))
        }
    }
}
