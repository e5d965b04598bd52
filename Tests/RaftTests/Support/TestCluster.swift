import Testing

@testable import Raft

/// A deterministic in-memory cluster of `RaftNode`s for multi-node tests.
///
/// The harness plays the driver for every node, following the `Ready` contract: persist to
/// the node's `MemoryStorage`, queue messages on the simulated network, apply committed
/// entries, `advance`. The network is a single queue of in-flight messages; tests deliver
/// them in order (`stabilize`) or, with a seeded RNG, drop and reorder them
/// (`deliverRandomly`). Links can be cut and nodes crashed and restarted from their storage.
///
/// While running it checks the safety properties of the Raft paper (Figure 3) and records a
/// test issue naming the seed (in `violations` too) when one is violated:
/// * Election Safety: at most one leader per term.
/// * Leader Completeness: a new leader's log holds every entry any node applied.
/// * State Machine Safety: no two nodes apply different entries at the same index, and each
///   node applies indices strictly in order.
/// `checkLogMatching()` checks the Log Matching property on demand.
final class TestCluster {
    /// Every node of the cluster, including those that joined (`join`).
    private(set) var ids: [UInt64]
    let seed: UInt64
    var rng: SplitMix64
    private let configure: (inout Config) -> Void

    var nodes: [UInt64: RaftNode] = [:]
    var storages: [UInt64: MemoryStorage] = [:]
    /// Messages sent and not yet delivered or dropped.
    var inFlight: [Message] = []
    /// Directed links that drop everything (from, to).
    var cutLinks: Set<[UInt64]> = []
    /// Messages for which this returns true are dropped on delivery (targeted faults).
    var shouldDrop: (Message) -> Bool = { _ in false }
    /// Percentage (0...100) of messages `deliverRandomly` drops.
    var dropPercent: UInt64 = 0
    /// Percentage (0...100) of messages `deliverRandomly` delivers twice (the copy stays in
    /// flight, to be delivered later, possibly out of order).
    var duplicatePercent: UInt64 = 0

    /// Per node: the last index its state machine applied.
    var appliedIndex: [UInt64: UInt64] = [:]
    /// Per node: the normal entries it applied, in order (reset by a snapshot restore).
    var appliedData: [UInt64: [[UInt8]]] = [:]
    /// Per node: read states it received.
    var readStates: [UInt64: [ReadState]] = [:]
    /// Every entry applied by any node, by index (the agreed state machine history).
    var committedHistory: [UInt64: Entry] = [:]
    /// The leader seen for each term.
    var leadersByTerm: [UInt64: UInt64] = [:]
    /// Number of messages delivered, by type.
    var deliveredCount: [Message.Kind: Int] = [:]
    /// Every message handed to the network, in send order (if `recordSent`).
    var sentMessages: [Message] = []
    var recordSent = false
    /// Safety violations found so far (each also recorded as a test issue).
    var violations: [String] = []

    private func violation(_ text: String) {
        let message = "seed \(seed): \(text)"
        violations.append(message)
        Issue.record(Comment(rawValue: message))
    }

    /// Creates a cluster of `ids`, each over an empty storage unless `storages` provides
    /// one (to start from prepared logs).
    init(
        ids: [UInt64] = [1, 2, 3],
        seed: UInt64 = 1,
        storages prepared: [UInt64: MemoryStorage] = [:],
        configure: @escaping (inout Config) -> Void = { _ in }
    ) {
        self.ids = ids
        self.seed = seed
        self.rng = SplitMix64(seed: seed)
        self.configure = configure
        for id in ids {
            storages[id] = prepared[id] ?? MemoryStorage(voters: ids)
            start(id)
        }
    }

    func makeConfig(_ id: UInt64) -> Config {
        var config = Config(
            id: id, electionTimeoutTicks: 10, heartbeatIntervalTicks: 1,
            random: SplitMix64(seed: seed &* 0x9E37_79B9 &+ id &* 7919 &+ rng.next()))
        configure(&config)
        return config
    }

    /// Starts a new node `id` that knows nothing of the group (an unknown membership, an empty
    /// log); it follows whichever leader contacts it once a membership change adds it.
    func join(_ id: UInt64) {
        precondition(storages[id] == nil, "node \(id) already exists")
        ids.append(id)
        storages[id] = MemoryStorage(confState: .unknown)
        start(id)
    }

    /// Starts (or restarts) `id` over its storage. Its state machine restarts from the
    /// storage's snapshot, as a real application would.
    func start(_ id: UInt64) {
        let storage = storages[id]!
        nodes[id] = try! RaftNode(config: makeConfig(id), storage: storage)
        let snapshot = try! storage.snapshot()
        appliedIndex[id] = snapshot.metadata.index
        appliedData[id] = decodeSnapshot(snapshot.data)
    }

    /// Crashes `id`: its volatile state and any messages addressed to it are lost; what it
    /// persisted stays in its storage.
    func crash(_ id: UInt64) {
        nodes[id] = nil
        inFlight.removeAll { $0.to == id }
    }

    /// Crashes `id` in the middle of a Ready cycle: the pending Ready is taken but neither
    /// persisted nor sent (an fsync that never happened). Safety must not depend on it.
    /// To make the lost Ready interesting, the node first receives its in-flight messages
    /// and one tick.
    func crashBeforePersisting(_ id: UInt64) {
        let mine = inFlight.filter { $0.to == id }
        inFlight.removeAll { $0.to == id }
        for m in mine { deliver(m) }
        tick(id)
        if var node = nodes[id], node.hasReady {
            _ = node.ready()
        }
        crash(id)
    }

    var liveIDs: [UInt64] { ids.filter { nodes[$0] != nil } }

    subscript(id: UInt64) -> RaftNode {
        get { nodes[id]! }
        set { nodes[id] = newValue }
    }

    // MARK: Network faults

    func isolate(_ id: UInt64) {
        for other in ids where other != id {
            cutLinks.insert([id, other])
            cutLinks.insert([other, id])
        }
    }

    /// Splits the cluster into groups that cannot talk to each other.
    func partition(_ groups: [UInt64]...) {
        heal()
        for a in groups.indices {
            for b in groups.indices where a != b {
                for x in groups[a] { for y in groups[b] { cutLinks.insert([x, y]) } }
            }
        }
    }

    func cut(_ from: UInt64, _ to: UInt64) {
        cutLinks.insert([from, to])
        cutLinks.insert([to, from])
    }

    func heal() { cutLinks.removeAll() }

    // MARK: Driving

    /// The current leader: the live leader with the highest term, if any.
    var leader: UInt64? {
        liveIDs.filter { nodes[$0]!.role == .leader }.max { nodes[$0]!.term < nodes[$1]!.term }
    }

    func tick(_ id: UInt64, times: Int = 1) {
        for _ in 0..<times { nodes[id]?.tick() }
    }

    func tickAll(times: Int = 1) {
        for _ in 0..<times {
            for id in liveIDs { nodes[id]!.tick() }
        }
    }

    /// Runs one Ready cycle on `id` if it has one. Returns whether it did.
    @discardableResult
    func processReady(_ id: UInt64) -> Bool {
        guard var node = nodes[id], node.hasReady else { return false }
        let ready = node.ready()
        let storage = storages[id]!
        // 1. Persist.
        if let snapshot = ready.snapshot {
            try! storage.applySnapshot(snapshot)
        }
        storage.append(ready.entries)
        if let hardState = ready.hardState {
            storage.setHardState(hardState)
        }
        // 2. Send.
        for message in ready.messages {
            precondition(message.from == id, "seed \(seed): message \(message) not from \(id)")
            if recordSent { sentMessages.append(message) }
            inFlight.append(message)
        }
        // 3. Apply.
        if let snapshot = ready.snapshot {
            appliedIndex[id] = snapshot.metadata.index
            appliedData[id] = decodeSnapshot(snapshot.data)
        }
        for entry in ready.committedEntries {
            apply(entry, on: id)
        }
        readStates[id, default: []].append(contentsOf: ready.readStates)
        if let soft = ready.softState, soft.role == .leader {
            checkNewLeader(id, node: node)
        }
        node.advance(ready)
        nodes[id] = node
        return true
    }

    func processAllReady() {
        var progress = true
        while progress {
            progress = false
            for id in liveIDs where processReady(id) { progress = true }
        }
    }

    /// Delivers `message` unless its link is cut or its destination is down.
    /// Returns whether it was delivered.
    @discardableResult
    func deliver(_ message: Message) -> Bool {
        guard nodes[message.to] != nil, !cutLinks.contains([message.from, message.to]),
            !shouldDrop(message)
        else { return false }
        deliveredCount[message.type, default: 0] += 1
        nodes[message.to]!.step(message)
        return true
    }

    /// Delivers messages in send order and processes Ready until no message is in flight.
    /// Ticks nothing, so it terminates: without ticks Raft only answers messages, and each
    /// exchange makes progress towards a fixed point.
    func stabilize(maxRounds: Int = 10_000) {
        for _ in 0..<maxRounds {
            processAllReady()
            if inFlight.isEmpty { return }
            let batch = inFlight
            inFlight = []
            for message in batch { deliver(message) }
        }
        preconditionFailure("seed \(seed): cluster did not stabilize in \(maxRounds) rounds")
    }

    /// Delivers one random in-flight message (reordering), dropping it with
    /// `dropPercent` probability.
    func deliverRandomly() {
        guard !inFlight.isEmpty else { return }
        let i = Int(rng.next(below: UInt64(inFlight.count)))
        let message = inFlight.remove(at: i)
        if rng.next(below: 100) < dropPercent { return }
        if rng.next(below: 100) < duplicatePercent { inFlight.append(message) }
        deliver(message)
    }

    /// Ticks every live node until some node is leader, stabilizing in between.
    @discardableResult
    func electLeader(maxTicks: Int = 200) -> UInt64 {
        for _ in 0..<maxTicks {
            stabilize()
            if let leader { return leader }
            tickAll()
        }
        preconditionFailure("seed \(seed): no leader after \(maxTicks) ticks")
    }

    /// Makes `id` leader now by campaigning and stabilizing.
    func campaign(_ id: UInt64) {
        nodes[id]!.campaign()
        stabilize()
    }

    /// Proposes `data` on the leader and stabilizes; returns the index.
    @discardableResult
    func propose(_ data: [UInt8], on id: UInt64? = nil) -> UInt64 {
        let target = id ?? leader!
        let receipt = try! nodes[target]!.propose(data)
        stabilize()
        return receipt.index
    }

    /// Takes a snapshot of `id`'s state machine at its applied index and compacts its log.
    func compact(_ id: UInt64) {
        let storage = storages[id]!
        let index = appliedIndex[id]!
        guard index > (try! storage.snapshot()).metadata.index else { return }
        try! storage.createSnapshot(index: index, data: encodeSnapshot(appliedData[id]!))
        try! storage.compact(index: index)
    }

    // MARK: Invariants

    private func apply(_ entry: Entry, on id: UInt64) {
        let expected = appliedIndex[id]! + 1
        if entry.index != expected {
            violation("node \(id) applied index \(entry.index), expected \(expected)")
        }
        if let previous = committedHistory[entry.index] {
            if previous != entry {
                violation(
                    "State Machine Safety violated at index \(entry.index): \(previous) vs \(entry) on node \(id)"
                )
            }
        } else {
            committedHistory[entry.index] = entry
        }
        appliedIndex[id] = entry.index
        if entry.kind == .normal { appliedData[id]!.append(entry.data) }
    }

    private func checkNewLeader(_ id: UInt64, node: RaftNode) {
        if let other = leadersByTerm[node.term], other != id {
            violation(
                "Election Safety violated: \(other) and \(id) both leaders in term \(node.term)")
        }
        leadersByTerm[node.term] = id
        // Leader Completeness: every entry applied anywhere is in the new leader's log.
        let first = node.raftLog.firstIndex
        for (index, entry) in committedHistory where index >= first {
            if node.raftLog.termOrZero(index) != entry.term {
                violation(
                    "Leader Completeness violated: leader \(id) term \(node.term) lacks \(entry.index)/\(entry.term)"
                )
            }
        }
    }

    /// Log Matching: if two logs have an entry with the same index and term, the logs are
    /// identical up to that index (checked over the range both still hold).
    func checkLogMatching() {
        let live = liveIDs
        for a in live {
            for b in live where a < b {
                let la = nodes[a]!.raftLog
                let lb = nodes[b]!.raftLog
                let lo = max(la.firstIndex, lb.firstIndex)
                var hi = min(la.lastIndex, lb.lastIndex)
                while hi >= lo && la.termOrZero(hi) != lb.termOrZero(hi) { hi -= 1 }
                guard hi >= lo else { continue }
                let ea = try! la.slice(lo, hi + 1, maxBytes: .max)
                let eb = try! lb.slice(lo, hi + 1, maxBytes: .max)
                if ea != eb { violation("Log Matching violated between \(a) and \(b) below \(hi)") }
            }
        }
    }
}

/// Snapshot payload of the test state machine: the applied normal entries, length-prefixed.
func encodeSnapshot(_ data: [[UInt8]]) -> [UInt8] {
    var out: [UInt8] = []
    for item in data {
        let n = UInt32(item.count)
        out += [UInt8(n >> 24), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)]
        out += item
    }
    return out
}

func decodeSnapshot(_ bytes: [UInt8]) -> [[UInt8]] {
    var out: [[UInt8]] = []
    var i = 0
    while i + 4 <= bytes.count {
        let n =
            Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8
            | Int(bytes[i + 3])
        i += 4
        out.append(Array(bytes[i..<(i + n)]))
        i += n
    }
    return out
}

extension Array where Element == UInt8 {
    /// Test convenience: the UTF-8 bytes of `string`.
    static func bytes(_ string: String) -> [UInt8] { Array(string.utf8) }
}
