import Raft

/// Fuzzing of the sans-I/O Raft core: node 1 of a group (1, 3 or 5 voters) over a
/// `MemoryStorage`, driven by a program decoded from the input (``FuzzInput``): messages of
/// every kind from any sender with plausible, stale or hostile terms, indices, entries and
/// snapshots; ticks; proposals, campaigns, ReadIndex requests, leadership transfers, reports;
/// `Ready`/persist/send/advance cycles as the `Ready` contract says; log compaction; and
/// restarts from the persisted state (a crash: what was not persisted is lost).
///
/// Oracles, after every operation (any violation, or any trap in the node, is a finding):
/// - the term never decreases (across restarts: never below the persisted term);
/// - the commit index never decreases (across restarts: never below the persisted one or the
///   snapshot) and never exceeds the last index;
/// - the persisted term and vote never move back, and the node never votes for two
///   candidates in one term (votes seen in persisted hard states and in vote grants sent);
/// - the `Ready` contract: a vote grant goes out only once the persisted hard state holds
///   that vote (or a later term); an append acknowledgement only for entries that are persisted; committed
///   entries are persisted, contiguous and after the applied index; `mustSync` is set
///   whenever entries or the term or vote changed.
enum RaftNodeFuzzing {
    /// Operations per input, bounded so every input runs in bounded time.
    static let maxOperations = 2_000

    static func run(_ input: [UInt8]) {
        var reader = FuzzInput(input)
        var harness = RaftNodeHarness(flags: reader.byte())
        var operations = 0
        while !reader.isAtEnd && operations < maxOperations {
            harness.perform(&reader)
            harness.checkInvariants()
            operations += 1
        }
    }
}

/// One node under test, its storage, and what the oracles remember (see ``RaftNodeFuzzing``).
struct RaftNodeHarness {
    static let id: UInt64 = 1
    static let kinds: [Message.Kind] = [
        .appendEntries, .appendEntriesResponse, .requestVote, .requestVoteResponse, .preVote, .preVoteResponse,
        .installSnapshot, .heartbeat, .heartbeatResponse, .timeoutNow, .readIndex, .readIndexResponse,
    ]

    let voters: [UInt64]
    let config: Config
    let storage: MemoryStorage
    var node: RaftNode
    /// Lowest term and commit index the node may report now.
    var termFloor: UInt64 = 0
    var commitFloor: UInt64 = 0
    /// The candidate this node voted for in each term (persisted votes and grants sent).
    var votes: [UInt64: UInt64] = [:]
    var persisted = HardState()
    /// The last index handed to the "application".
    var applied: UInt64 = 0

    init(flags: UInt8) {
        voters = [[1], [1, 2, 3], [1, 2, 3, 4, 5]][Int(flags % 3)]
        var config = Config(id: Self.id, electionTimeoutTicks: 5, heartbeatIntervalTicks: 1)
        config.preVote = flags & 0x04 != 0
        config.checkQuorum = flags & 0x08 != 0
        config.appendsNoopOnElection = flags & 0x10 == 0
        config.driverReportsSnapshots = flags & 0x20 != 0
        if flags & 0x40 != 0 && config.checkQuorum { config.readOnlyOption = .leaseBased(maxClockDriftPercent: 10) }
        config.maxEntriesBytesPerAppend = 256
        config.maxInflightAppends = 4
        config.maxUncommittedEntriesBytes = 1 << 10
        config.random = SplitMix64(seed: UInt64(flags))
        self.config = config
        let storage = MemoryStorage(voters: voters)
        self.storage = storage
        node = mustSucceed("start a node") { () throws(ConfigError) in try RaftNode(config: config, storage: storage) }
    }

    mutating func perform(_ input: inout FuzzInput) {
        switch input.below(16) {
        case 0, 1:
            for _ in 0...input.below(12) { node.tick() }
        case 2...7:
            node.step(message(&input))
        case 8:
            let count = 1 + input.below(3)
            let batch = (0..<count).map { _ in [UInt8](repeating: input.byte(), count: input.below(40)) }
            _ = try? node.propose(contentsOf: batch)
        case 9:
            node.campaign()
        case 10:
            try? node.readIndex(context: [input.byte(), input.byte()])
        case 11:
            try? node.transferLeadership(to: peer(&input))
        case 12:
            if input.bool() {
                node.reportUnreachable(peer(&input))
            } else {
                node.reportSnapshot(to: peer(&input), succeeded: input.bool())
            }
        case 13:
            compact()
        case 14:
            restart()
        default:
            for _ in 0...input.below(4) { handleReady() }
        }
    }

    /// A sender: a voter, this node itself, an unknown node or 0.
    func peer(_ input: inout FuzzInput) -> UInt64 {
        let choice = input.byte()
        switch choice % 8 {
        case 0: return 0
        case 1: return Self.id
        case 2: return 9
        case 3: return UInt64.max
        default: return voters.count > 1 ? voters[1 + Int(choice / 8) % (voters.count - 1)] : 2
        }
    }

    /// A message to this node of any kind, with fields near the node's own state or hostile.
    func message(_ input: inout FuzzInput) -> Message {
        let type = Self.kinds[input.below(Self.kinds.count)]
        let term = input.number(near: node.term)
        let index = input.number(near: input.bool() ? node.lastIndex : node.commitIndex)
        var message = Message(
            type: type, from: peer(&input), to: Self.id, term: term, logTerm: input.number(near: node.lastTerm),
            index: index, commit: input.number(near: node.commitIndex), reject: input.bool(),
            rejectHint: input.number(near: index))
        let count = input.below(5)
        if count > 0 {
            let consecutive = input.bool()
            var entryIndex = consecutive ? index &+ 1 : input.number(near: index)
            var entryTerm = input.number(near: message.logTerm)
            for _ in 0..<count {
                let kind: Entry.Kind = [.normal, .noop, .configChange][input.below(3)]
                let data = [UInt8](repeating: 1, count: input.below(64))
                message.entries.append(Entry(term: entryTerm, index: entryIndex, kind: kind, data: data))
                entryIndex = consecutive ? entryIndex &+ 1 : input.number(near: entryIndex)
                entryTerm = input.bool() ? entryTerm : input.number(near: entryTerm)
            }
        }
        if input.below(4) == 0 || type == .installSnapshot && input.below(8) != 0 {
            let voterChoices: [[UInt64]] = [[], voters, [2, 3], [1], [1, 9], [UInt64.max]]
            message.snapshot = Snapshot(
                metadata: Snapshot.Metadata(
                    index: input.number(near: node.commitIndex &+ 2), term: input.number(near: term),
                    voters: voterChoices[input.below(voterChoices.count)]),
                data: [input.byte()])
        }
        switch input.below(4) {
        case 0: message.context = Message.campaignTransferContext
        case 1: message.context = [input.byte(), input.byte()]
        default: break
        }
        return message
    }

    /// One `Ready` handled as its contract says: persist (snapshot, entries, hard state), check
    /// the messages against what is now persisted, "send" them, apply, advance.
    mutating func handleReady() {
        guard node.hasReady else { return }
        let ready = node.ready()
        let previous = persisted
        if let hard = ready.hardState {
            check(
                !ready.entries.isEmpty || ready.mustSync || (hard.term == previous.term && hard.vote == previous.vote),
                "the term or vote changed (\(previous) -> \(hard)) but mustSync is false")
        }
        check(ready.entries.isEmpty || ready.mustSync, "entries to persist but mustSync is false")
        if let snapshot = ready.snapshot {
            mustSucceed("persist the Ready's snapshot \(snapshot.metadata)") { () throws(StorageError) in
                try storage.applySnapshot(snapshot)
            }
        }
        storage.append(ready.entries)
        if let hard = ready.hardState {
            check(hard.term >= persisted.term, "the persisted term moves back: \(persisted) -> \(hard)")
            if hard.term == persisted.term && persisted.vote != 0 {
                check(hard.vote == persisted.vote, "the vote of term \(hard.term) changed: \(persisted) -> \(hard)")
            }
            storage.setHardState(hard)
            persisted = hard
            if hard.vote != 0 { recordVote(term: hard.term, candidate: hard.vote) }
        }
        for message in ready.messages { checkSent(message) }
        if let snapshot = ready.snapshot { applied = max(applied, snapshot.metadata.index) }
        var expected = applied + 1
        for entry in ready.committedEntries {
            check(entry.index == expected, "committed entry \(entry.index) handed out after \(expected - 1)")
            check(entry.index <= storage.lastIndex(), "committed entry \(entry.index) is not persisted")
            check(
                (try? storage.term(entry.index)) == entry.term,
                "committed entry \(entry.index) of term \(entry.term) is not the persisted one")
            expected += 1
        }
        applied = ready.committedEntries.last?.index ?? applied
        node.advance(ready)
    }

    /// A message leaving this node depends only on persisted state.
    mutating func checkSent(_ message: Message) {
        check(message.from == Self.id, "a message from \(message.from) sent by \(Self.id): \(message)")
        switch message.type {
        case .requestVoteResponse where !message.reject:
            // Durable once the persisted state holds the vote, or a later term (then the node can
            // never vote in that term again, even after a crash).
            check(
                persisted.term > message.term || (persisted.term == message.term && persisted.vote == message.to),
                "granted a vote to \(message.to) in term \(message.term) before persisting it (persisted \(persisted))")
            recordVote(term: message.term, candidate: message.to)
        case .appendEntriesResponse where !message.reject:
            let snapshotIndex = storage.firstIndex() - 1
            check(
                message.index <= storage.lastIndex() || message.index <= snapshotIndex,
                "acknowledged index \(message.index) beyond the persisted log \(storage.lastIndex())")
        case .requestVote:
            check(persisted.term >= message.term, "asked for votes in term \(message.term) before persisting it")
        default:
            break
        }
    }

    mutating func recordVote(term: UInt64, candidate: UInt64) {
        if let earlier = votes[term] {
            check(earlier == candidate, "voted for \(earlier) and \(candidate) in term \(term)")
        }
        votes[term] = candidate
    }

    /// The application snapshots what it applied and compacts the log behind it.
    mutating func compact() {
        let snapshotIndex = storage.firstIndex() - 1
        guard applied > snapshotIndex, applied <= storage.lastIndex() else { return }
        mustSucceed("snapshot at the applied index \(applied)") { () throws(StorageError) in
            try storage.createSnapshot(index: applied, data: [1, 2, 3])
            try storage.compact(index: applied)
        }
    }

    /// A crash and restart: a new node over the persisted state (no `Ready` is outstanding).
    mutating func restart() {
        var restartConfig = config
        restartConfig.appliedIndex = applied
        node = mustSucceed("restart over the persisted state") { () throws(ConfigError) in
            try RaftNode(config: restartConfig, storage: storage)
        }
        termFloor = persisted.term
        commitFloor = max(persisted.commit, storage.firstIndex() - 1)
    }

    mutating func checkInvariants() {
        check(node.term >= termFloor, "the term went back from \(termFloor) to \(node.term)")
        check(node.term >= persisted.term, "the term \(node.term) is below the persisted \(persisted.term)")
        check(node.commitIndex >= commitFloor, "the commit index went back from \(commitFloor) to \(node.commitIndex)")
        check(node.commitIndex <= node.lastIndex, "commit \(node.commitIndex) beyond the last index \(node.lastIndex)")
        if node.vote != 0, let earlier = votes[node.term] {
            check(earlier == node.vote, "votes for \(node.vote) in term \(node.term) after voting for \(earlier)")
        }
        termFloor = node.term
        commitFloor = node.commitIndex
    }
}
