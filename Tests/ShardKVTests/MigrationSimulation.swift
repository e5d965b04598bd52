import Raft
import RSM
import ShardController
import ShardKV
import Testing

/// Test support: three replica groups (gids 100, 101, 102) under a random sequence of
/// configurations, with a minimal in-test driver that does what the real driver will: poll the
/// "controller" (a list of configurations), answer pulls, and deliver PullShards results,
/// DeleteShards requests and their acknowledgements in random order, with duplicates and
/// arbitrary delays. Clients append unique tokens with sessions and sometimes lose replies, so
/// they retry — possibly at another group after the shard moved.
///
/// ``checkInvariants()`` runs after every step; ``settle()`` then ``checkFinalState()`` end a
/// run.
struct MigrationSimulation {
    /// A message between groups, in flight.
    enum Message: CustomStringConvertible {
        /// A `.ready` PullShards answer on its way to the puller, which logs InsertShards.
        case insert(to: UInt64, configNum: UInt64, data: [ShardData])
        /// A DeleteShards request from the new owner `from` to the previous owner `to`.
        case delete(to: UInt64, from: UInt64, configNum: UInt64, shards: [Int])
        /// The previous owner's acknowledgement; the new owner logs ShardsGarbageCollected.
        case collected(to: UInt64, configNum: UInt64, shards: [Int])

        var description: String {
            switch self {
            case .insert(let to, let num, let data): "insert \(data.map(\.shard)) #\(num) -> \(to)"
            case .delete(let to, let from, let num, let shards): "delete \(shards) #\(num) \(from) -> \(to)"
            case .collected(let to, let num, let shards): "collected \(shards) #\(num) -> \(to)"
            }
        }
    }

    /// A clerk with at most one outstanding Append.
    struct Client {
        let id: UInt64
        var sequence: UInt64 = 0
        var pending: (key: String, value: String)?
        /// The group that first applied the pending Append (its reply was lost), if any.
        var pendingAppliedBy: UInt64?
        /// The shards the client opened its session on (it does before its first write there).
        var openedShards: Set<Int> = []
    }

    static let gids: [UInt64] = [100, 101, 102]
    static let keys = (0..<20).map { String($0) }
    static let maxConfigs = 16

    let seed: UInt64
    private var rng: SplitMix64
    private(set) var groups: [ReplicaGroup] = MigrationSimulation.gids.map { ReplicaGroup(gid: $0) }
    private(set) var configs: [ShardConfig] = [ShardConfig()]
    private var inFlight: [Message] = []
    private var clients: [Client] = (1...3).map { Client(id: UInt64($0)) }
    /// Every acknowledged-or-applied Append, in application order: the expected values.
    private(set) var model: [String: String] = [:]
    private(set) var trace: [String] = []
    /// Coverage: shards that arrived at a new owner through InsertShards.
    private(set) var shardsMoved = 0
    /// Coverage: retried writes that reached a different group than the one that applied them.
    private(set) var retriesAfterMove = 0
    /// Coverage: configurations in which no group owned any shard.
    private(set) var emptyConfigs = 0
    /// Coverage: retained shards handed on (served again or pulled) when a group was given them.
    private(set) var retainedHandedOn = 0

    init(seed: UInt64) {
        self.seed = seed
        rng = SplitMix64(seed: seed)
    }

    private var comment: Comment { "seed \(seed), last steps: \(trace.suffix(8))" }

    private func index(of gid: UInt64) -> Int { Self.gids.firstIndex(of: gid)! }

    // MARK: Steps

    mutating func step() {
        switch Int.random(in: 0..<100, using: &rng) {
        case 0..<6: newConfiguration()
        case 6..<26: pollController()
        case 26..<38: startPulls()
        case 38..<48: startGarbageCollection()
        case 48..<70: deliverMessage()
        case 70..<97: clientAppend()
        default: restoreFollower()
        }
        checkInvariants()
    }

    /// The controller creates the next configuration: a random non-empty set of groups, each
    /// shard on a random one of them; or, one time in four, an empty one (every group left, every
    /// shard on no group), whose shards must survive at their last owner until a later
    /// configuration gives them a group again.
    private mutating func newConfiguration() {
        guard configs.count < Self.maxConfigs else { return }
        if Int.random(in: 0..<4, using: &rng) == 0 {
            configs.append(makeConfig(UInt64(configs.count), Array(repeating: ShardConfig.noGroup, count: ShardConfig.shardCount)))
            emptyConfigs += 1
            trace.append("controller: config #\(configs.count - 1) empty")
            return
        }
        let members = Self.gids.filter { _ in Bool.random(using: &rng) }
        let joined = members.isEmpty ? [Self.gids.randomElement(using: &rng)!] : members
        let owners = (0..<ShardConfig.shardCount).map { _ in joined.randomElement(using: &rng)! }
        configs.append(makeConfig(UInt64(configs.count), owners))
        trace.append("controller: config #\(configs.count - 1) \(owners)")
    }

    /// A group polls: installs the next configuration if it may, else (sometimes) a stale or
    /// future one, which must change nothing.
    private mutating func pollController() {
        let g = Int.random(in: 0..<groups.count, using: &rng)
        if let next = groups[g].state.nextConfigNum, next < UInt64(configs.count), Bool.random(using: &rng) {
            installNext(g)
            return
        }
        let other = configs.randomElement(using: &rng)!
        guard !groups[g].state.mayInstall(other) else { return }
        let before = groups[g].state.snapshot()
        groups[g].install(other)
        let after = groups[g].state.snapshot()
        #expect(after == before, "stale/future config #\(other.num) changed gid \(groups[g].gid); \(comment)")
    }

    /// Group `g` installs its next configuration (which must exist and be installable).
    private mutating func installNext(_ g: Int) {
        guard let next = groups[g].state.nextConfigNum else { return }
        let retained = (0..<ShardConfig.shardCount).filter { groups[g].state.status(ofShard: $0) == .retained }
        #expect(groups[g].install(configs[Int(next)]).outcome == .ok, comment)
        retainedHandedOn += retained.filter { groups[g].state.status(ofShard: $0) != .retained }.count
        trace.append("gid \(groups[g].gid) installs #\(next)")
    }

    /// A group asks each previous owner for the shards it is pulling; ready answers go in flight.
    private mutating func startPulls() {
        let g = Int.random(in: 0..<groups.count, using: &rng)
        for task in groups[g].state.pullTasks {
            let answer = groups[index(of: task.gid)].state.answerPull(configNum: task.configNum, shards: task.shards)
            if case .ready(let data) = answer {
                inFlight.append(.insert(to: groups[g].gid, configNum: task.configNum, data: data))
            }
        }
    }

    /// A group tells each previous owner of its gcPending shards to delete them.
    private mutating func startGarbageCollection() {
        let g = Int.random(in: 0..<groups.count, using: &rng)
        for task in groups[g].state.garbageCollectionTasks {
            inFlight.append(.delete(to: task.gid, from: groups[g].gid, configNum: task.configNum, shards: task.shards))
        }
    }

    /// Delivers a random in-flight message; a quarter of them stay in flight (duplicates).
    private mutating func deliverMessage() {
        guard !inFlight.isEmpty else { return }
        let i = Int.random(in: 0..<inFlight.count, using: &rng)
        let message = inFlight[i]
        if Int.random(in: 0..<4, using: &rng) != 0 { inFlight.remove(at: i) }
        deliver(message)
    }

    private mutating func deliver(_ message: Message) {
        trace.append("deliver \(message)")
        switch message {
        case .insert(let to, let configNum, let data):
            let g = index(of: to)
            let pulling = data.filter { groups[g].state.status(ofShard: $0.shard) == .pulling }.count
            groups[g].apply(.insertShards(configNum: configNum, data: data))
            let arrived = data.filter { groups[g].state.status(ofShard: $0.shard) == .gcPending }.count
            if groups[g].state.currentConfig.num == configNum { shardsMoved += min(pulling, arrived) }
        case .delete(let to, let from, let configNum, let shards):
            let result = groups[index(of: to)].apply(.deleteShards(configNum: configNum, shards: shards))
            if result.outcome == .ok { inFlight.append(.collected(to: from, configNum: configNum, shards: shards)) }
        case .collected(let to, let configNum, let shards):
            groups[index(of: to)].apply(.shardsGarbageCollected(configNum: configNum, shards: shards))
        }
    }

    /// A client sends (or retries) an Append to the group serving the key's shard, if any.
    private mutating func clientAppend() {
        let c = Int.random(in: 0..<clients.count, using: &rng)
        if clients[c].pending == nil {
            clients[c].sequence += 1
            let key = Self.keys.randomElement(using: &rng)!
            clients[c].pending = (key, "c\(clients[c].id).\(clients[c].sequence);")
            clients[c].pendingAppliedBy = nil
        }
        guard let (key, value) = clients[c].pending else { return }
        let shard = key2shard(Array(key.utf8))
        guard let g = groups.indices.first(where: { groups[$0].state.isServing(shard: shard) }) else { return }
        if !clients[c].openedShards.contains(shard) {
            #expect(groups[g].openSession(clients[c].id, onShardOf: key).outcome == .ok, comment)
            clients[c].openedShards.insert(shard)
            trace.append("client \(clients[c].id) opens shard \(shard) at \(groups[g].gid)")
        }
        let session = ClientSession(clientID: clients[c].id, sequence: clients[c].sequence)
        let result = groups[g].append(key, value, session)
        #expect(result.outcome == .ok, comment)
        trace.append("client \(clients[c].id) #\(clients[c].sequence) append \(key) at \(groups[g].gid)")
        if let firstGroup = clients[c].pendingAppliedBy {
            if firstGroup != groups[g].gid { retriesAfterMove += 1 }
        } else {
            model[key, default: ""] += value
            clients[c].pendingAppliedBy = groups[g].gid
        }
        // Lose the reply a third of the time: the client will retry the same write later.
        if Int.random(in: 0..<3, using: &rng) != 0 { clients[c].pending = nil }
    }

    /// A follower of a random group is replaced by one restored from the leader's snapshot.
    private mutating func restoreFollower() {
        let g = Int.random(in: 0..<groups.count, using: &rng)
        do {
            try groups[g].restoreReplica(1)
        } catch {
            Issue.record("restore failed: \(error); \(comment)")
        }
    }

    // MARK: Checks

    /// At most one group serves each shard; the serving group holds exactly the expected value
    /// of every key of that shard; every group's replicas agree byte for byte.
    func checkInvariants() {
        for shard in 0..<ShardConfig.shardCount {
            let serving = groups.filter { $0.state.isServing(shard: shard) }.map(\.gid)
            #expect(serving.count <= 1, "shard \(shard) served by \(serving); \(comment)")
        }
        for key in Self.keys {
            let shard = key2shard(Array(key.utf8))
            guard let group = groups.first(where: { $0.state.isServing(shard: shard) }) else { continue }
            let value = group.read(key)
            #expect(value == model[key], "key \(key) at gid \(group.gid); \(comment)")
        }
        for group in groups {
            let agree = group.replicasAgree
            #expect(agree, "replicas of gid \(group.gid) differ; \(comment)")
        }
    }

    /// Runs the driver without new configurations or clients until every group is in the last
    /// configuration, no migration is in progress and nothing is in flight. Returns whether it
    /// got there within the step budget.
    mutating func settle() -> Bool {
        // Terminates: bounded by the budget; each round installs, pulls, collects and delivers
        // everything that is possible, so a healthy system converges in a few rounds per
        // configuration.
        for _ in 0..<(Self.maxConfigs * 20) {
            let lastNum = UInt64(configs.count - 1)
            if inFlight.isEmpty, groups.allSatisfy({ $0.state.currentConfig.num == lastNum && !$0.state.isMigrating }) {
                return true
            }
            for g in groups.indices {
                if let next = groups[g].state.nextConfigNum, next < UInt64(configs.count) { installNext(g) }
            }
            for g in groups.indices {
                for task in groups[g].state.pullTasks {
                    let owner = groups[index(of: task.gid)].state
                    if case .ready(let data) = owner.answerPull(configNum: task.configNum, shards: task.shards) {
                        inFlight.append(.insert(to: groups[g].gid, configNum: task.configNum, data: data))
                    }
                }
                for task in groups[g].state.garbageCollectionTasks {
                    inFlight.append(
                        .delete(to: task.gid, from: groups[g].gid, configNum: task.configNum, shards: task.shards))
                }
            }
            while !inFlight.isEmpty { deliver(inFlight.removeFirst()) }
            checkInvariants()
        }
        return false
    }

    /// After ``settle()``: each shard is served by exactly its owner in the last configuration
    /// (or, if no group owns it, kept `retained` by exactly the group that owned it last), every
    /// write is readable there exactly once, and no other group keeps any copy.
    func checkFinalState() {
        let last = configs[configs.count - 1]
        for shard in 0..<ShardConfig.shardCount {
            let holder = lastHolder(of: shard)
            for group in groups {
                let expected: ShardStatus? =
                    if last.shards[shard] == group.gid { .serving }
                    else if last.shards[shard] == ShardConfig.noGroup && holder == group.gid { .retained }
                    else { nil }
                let status = group.state.status(ofShard: shard)
                #expect(status == expected, "shard \(shard) at gid \(group.gid); \(comment)")
            }
        }
        for key in Self.keys {
            let shard = key2shard(Array(key.utf8))
            let holder = lastHolder(of: shard)
            guard holder != ShardConfig.noGroup else {
                #expect(model[key] == nil, "key \(key) written to a shard no group ever owned; \(comment)")
                continue
            }
            let value = groups[index(of: holder)].state.storedValue(forKey: Array(key.utf8))
                .map { String(decoding: $0, as: UTF8.self) }
            #expect(value == model[key], "key \(key) at gid \(holder); \(comment)")
        }
        #expect(groups.map(\.state.storedKeyCount).reduce(0, +) == model.count, "leftover copies; \(comment)")
    }

    /// The owner of `shard` in the latest configuration that gave it one (``ShardConfig/noGroup``
    /// if none did).
    private func lastHolder(of shard: Int) -> UInt64 {
        configs.last { $0.shards[shard] != ShardConfig.noGroup }?.shards[shard] ?? ShardConfig.noGroup
    }
}
