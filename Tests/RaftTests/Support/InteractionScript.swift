import Testing

@testable import Raft

/// Scripted interaction tests in the style of etcd's datadriven `interaction_test.go`.
///
/// A script is a sequence of blocks:
///
///     command arg arg
///     ----
///     expected output lines
///
/// separated by blank lines; lines starting with `#` are comments. Each command runs
/// against a `TestCluster`, and its output (Ready contents, delivered messages, status
/// lines) must match the expected text exactly. On a mismatch the test records an issue
/// with the actual output of the whole script, ready to paste back after review.
///
/// Commands:
/// * `add-nodes N [pre-vote=B] [check-quorum=B] [max-inflight=N] [noop=B]` — a new cluster 1...N.
/// * `campaign ID`, `propose ID TEXT`, `tick ID [COUNT]`, `tick-all [COUNT]`
/// * `transfer-leadership FROM TO`, `read-index ID CTX`, `compact ID`
/// * `process-ready ID...` — one Ready cycle per node, printed.
/// * `deliver-msgs [ID...]` — deliver in-flight messages (to the given nodes), printed.
/// * `stabilize [quiet]` — process Ready and deliver until quiet, printing everything
///   (or nothing, for setting up a scene another script already traces).
/// * `isolate ID`, `heal`, `crash ID`, `restart ID`
/// * `lag-commit ID N` — rewrites the commit index in ID's stored HardState to N: a
///   commit-only change that was never fsynced (storage need not sync it) before a crash.
/// * `status ID...`, `raft-log ID`
struct InteractionScript {
    struct Block {
        var command: String
        var expected: String
    }

    let blocks: [Block]

    init(_ text: String) {
        var blocks: [Block] = []
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)[
            ...]
        while let line = lines.first {
            lines.removeFirst()
            let trimmed = line.trimmingSpaces
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard lines.first?.trimmingSpaces == "----" else {
                blocks.append(Block(command: trimmed, expected: ""))
                continue
            }
            lines.removeFirst()
            var output: [String] = []
            while let next = lines.first, !next.trimmingSpaces.isEmpty {
                output.append(next)
                lines.removeFirst()
            }
            blocks.append(Block(command: trimmed, expected: output.joined(separator: "\n")))
        }
        self.blocks = blocks
    }

    /// Runs every block and records an issue (with the full actual transcript) on mismatch.
    func run(sourceLocation: SourceLocation = #_sourceLocation) {
        var runner = InteractionRunner()
        var transcript: [String] = []
        var mismatch = false
        for block in blocks {
            let actual = runner.execute(block.command)
            transcript.append(block.command + "\n----\n" + actual)
            if actual != block.expected {
                mismatch = true
                Issue.record(
                    "command `\(block.command)`:\nexpected:\n\(block.expected)\nactual:\n\(actual)",
                    sourceLocation: sourceLocation)
            }
        }
        if mismatch {
            print("Actual transcript:\n" + transcript.joined(separator: "\n\n"))
        }
    }
}

/// Executes interaction commands; see `InteractionScript`.
struct InteractionRunner {
    var cluster: TestCluster?

    mutating func execute(_ command: String) -> String {
        let words = command.split(separator: " ").map(String.init)
        let args = Array(words.dropFirst())
        let ids = args.compactMap { UInt64($0) }
        var out: [String] = []
        func node(_ i: Int = 0) -> UInt64 { ids[i] }
        switch words[0] {
        case "add-nodes":
            let n = UInt64(args[0])!
            var options: [String: String] = [:]
            for arg in args.dropFirst() {
                let kv = arg.split(separator: "=").map(String.init)
                options[kv[0]] = kv[1]
            }
            cluster = TestCluster(ids: Array(1...n), seed: 1) { config in
                config.preVote = options["pre-vote"].map { $0 == "true" } ?? false
                config.checkQuorum = options["check-quorum"].map { $0 == "true" } ?? false
                if let w = options["max-inflight"] { config.maxInflightAppends = Int(w)! }
                if let noop = options["noop"] { config.appendsNoopOnElection = noop == "true" }
            }
        case "campaign":
            cluster!.nodes[node()]!.campaign()
        case "propose":
            do {
                let receipt = try cluster!.nodes[node()]!.propose(Array(args[1].utf8))
                out.append("proposed at \(receipt.index) term \(receipt.term)")
            } catch {
                out.append("error: \(error)")
            }
        case "tick":
            cluster!.tick(node(), times: args.count > 1 ? Int(args[1])! : 1)
        case "tick-all":
            cluster!.tickAll(times: args.isEmpty ? 1 : Int(args[0])!)
        case "transfer-leadership":
            do {
                try cluster!.nodes[node(0)]!.transferLeadership(to: node(1))
            } catch {
                out.append("error: \(error)")
            }
        case "read-index":
            do {
                try cluster!.nodes[node()]!.readIndex(context: Array(args[1].utf8))
            } catch {
                out.append("error: \(error)")
            }
        case "compact":
            cluster!.compact(node())
            out.append("snapshot at \(try! cluster!.storages[node()]!.snapshot().metadata.index)")
        case "process-ready":
            for id in ids { out += processReady(id) }
        case "deliver-msgs":
            out += deliver(to: ids.isEmpty ? nil : Set(ids))
        case "stabilize":
            for _ in 0..<1000 {
                var round: [String] = []
                for id in cluster!.liveIDs { round += processReady(id) }
                round += deliver(to: nil)
                if round.isEmpty { break }
                out += round
            }
            // `stabilize quiet` sets a scene whose trace another script already checks.
            if args.first == "quiet" { out = [] }
        case "isolate":
            cluster!.isolate(node())
        case "heal":
            cluster!.heal()
        case "crash":
            cluster!.crash(node())
        case "restart":
            cluster!.start(node())
        case "lag-commit":
            let storage = cluster!.storages[node()]!
            var hardState = storage.initialState().hardState
            hardState.commit = UInt64(args[1])!
            storage.setHardState(hardState)
        case "status":
            for id in ids {
                let n = cluster![id]
                out.append(
                    "\(id): \(n.role) term=\(n.term) vote=\(n.vote) leader=\(n.leader) commit=\(n.commitIndex) applied=\(n.appliedIndex) last=\(n.lastIndex)"
                )
            }
        case "raft-log":
            out += cluster![node()].allEntries.map(Self.describe)
        default:
            out.append("unknown command \(words[0])")
        }
        return out.joined(separator: "\n")
    }

    private mutating func processReady(_ id: UInt64) -> [String] {
        guard let node = cluster!.nodes[id], node.hasReady else { return [] }
        var copy = node
        let rd = copy.ready()
        // Let the cluster do the real processing (it calls ready() itself).
        _ = cluster!.processReady(id)
        var out = ["> \(id) handling Ready"]
        if let soft = rd.softState { out.append("  role=\(soft.role) leader=\(soft.leader)") }
        if let hard = rd.hardState {
            out.append("  HardState term=\(hard.term) vote=\(hard.vote) commit=\(hard.commit)")
        }
        if !rd.entries.isEmpty {
            out.append("  Entries: " + rd.entries.map(Self.describe).joined(separator: " "))
        }
        if let snap = rd.snapshot {
            out.append("  Snapshot index=\(snap.metadata.index) term=\(snap.metadata.term)")
        }
        if !rd.committedEntries.isEmpty {
            out.append(
                "  Committed: " + rd.committedEntries.map(Self.describe).joined(separator: " "))
        }
        for rs in rd.readStates {
            out.append(
                "  ReadState index=\(rs.index) context=\(String(decoding: rs.context, as: UTF8.self))"
            )
        }
        for m in rd.messages { out.append("  send \(m)") }
        return out
    }

    private mutating func deliver(to targets: Set<UInt64>?) -> [String] {
        let c = cluster!
        let (now, later) = c.inFlight.reduce(into: ([Message](), [Message]())) { acc, m in
            if targets == nil || targets!.contains(m.to) {
                acc.0.append(m)
            } else {
                acc.1.append(m)
            }
        }
        c.inFlight = later
        var out: [String] = []
        for m in now {
            let delivered = c.deliver(m)
            out.append((delivered ? "  deliver " : "  dropped ") + "\(m)")
        }
        return out
    }

    static func describe(_ e: Entry) -> String {
        switch e.kind {
        case .noop: "\(e.term)/\(e.index) noop"
        case .configChange: "\(e.term)/\(e.index) conf"
        case .normal: "\(e.term)/\(e.index) \(String(decoding: e.data, as: UTF8.self))"
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
