import Foundation
import Linearizability
import Testing

/// The final-value checks of the process stress tests (``StressChecks``) on hand-made histories: each flags the
/// fault it is there for (a lost, duplicated, reordered or foreign append; a put that
/// survives a later one; an acknowledged append the final put cannot explain away) and
/// accepts the legal outcomes (a timed-out write applied or not).
@Suite("KVProcessStressCheckTests")
struct KVProcessStressCheckTests {
    typealias Operation = StressWorkload.Operation
    static let own0 = StressWorkload.ownKey(0, generation: 0)
    static let own1 = StressWorkload.ownKey(0, generation: 1)

    static func append(_ client: Int, _ key: String, _ token: String, _ call: Int64, _ returned: Int64?) -> Operation {
        Operation(
            clientID: client, input: .append(key: key, value: token), call: call, output: returned == nil ? nil : .done,
            return: returned)
    }

    static func put(_ client: Int, _ key: String, _ token: String, _ call: Int64, _ returned: Int64?) -> Operation {
        Operation(
            clientID: client, input: .put(key: key, value: token), call: call, output: returned == nil ? nil : .done,
            return: returned)
    }

    /// Client 0 appends c0.1 and c0.2 (acknowledged), c0.3 (timed out), c0.4 (acknowledged).
    static let ownHistory: [Operation] = [
        append(0, Self.own0, "c0.1;", 0, 10), append(0, Self.own0, "c0.2;", 20, 30),
        append(0, Self.own0, "c0.3;", 40, nil), append(0, Self.own0, "c0.4;", 50, 60),
    ]

    func ownKey(_ value: String) -> [String] {
        StressChecks.checkOwnKeys(Self.ownHistory, [Self.own0: value], clients: 0..<1)
    }

    @Test func ownKeyAcceptsEveryAcknowledgedAppendOnceInOrderWithOrWithoutTheTimedOutOne() {
        #expect(ownKey("c0.1;c0.2;c0.4;").isEmpty)
        #expect(ownKey("c0.1;c0.2;c0.3;c0.4;").isEmpty)
    }

    @Test func ownKeyFlagsLostDuplicatedReorderedAndForeignAppends() {
        let lost = ownKey("c0.1;c0.4;")
        #expect(lost.count == 1 && lost[0].contains("lost 1 acknowledged") && lost[0].contains("c0.2;"), "\(lost)")
        let twice = ownKey("c0.1;c0.2;c0.2;c0.4;")
        #expect(twice.contains { $0.contains("twice") }, "\(twice)")
        let reordered = ownKey("c0.2;c0.1;c0.4;")
        #expect(reordered.contains { $0.contains("out of order") }, "\(reordered)")
        let foreign = ownKey("c0.1;c0.2;c1.9;c0.4;")
        #expect(foreign.contains { $0.contains("no append to \(Self.own0) wrote") }, "\(foreign)")
        let none = StressChecks.checkOwnKeys([], [Self.own0: ""], clients: 0..<1)
        #expect(none.contains { $0.contains("no append to its keys was acknowledged") }, "\(none)")
        // The next generation's key lost its one acknowledged append.
        let nextKey = StressChecks.checkOwnKeys(
            Self.ownHistory + [Self.append(0, Self.own1, "c0.5;", 70, 80)],
            [Self.own0: "c0.1;c0.2;c0.4;", Self.own1: ""],
            clients: 0..<1)
        #expect(nextKey.count == 1 && nextKey[0].contains("\(Self.own1) lost 1"), "\(nextKey)")
    }

    /// On s0: put A [0, 10]; append x [15, 18]; put B [20, 30]; append y [40, 50]; put C
    /// pending from 35 (timed out); append z [5, 45] (concurrent with everything).
    static let sharedHistory: [Operation] = [
        put(1, "s0", "c1.1;", 0, 10), append(2, "s0", "c2.1;", 15, 18), put(1, "s0", "c1.2;", 20, 30),
        append(2, "s0", "c2.2;", 40, 50), put(3, "s0", "c3.1;", 35, nil), append(4, "s0", "c4.1;", 5, 45),
    ]

    func shared(_ value: String) -> [String] {
        StressChecks.checkSharedKeys(Self.sharedHistory, ["s0": value], keys: ["s0"])
    }

    @Test func sharedKeyAcceptsTheLegalFinalValues() {
        #expect(shared("c1.2;c2.2;").isEmpty)
        #expect(shared("c1.2;c4.1;c2.2;").isEmpty)
        // The timed-out put applied last (after y).
        #expect(shared("c3.1;").isEmpty)
        // ... or before y.
        #expect(shared("c3.1;c2.2;").isEmpty)
    }

    @Test func sharedKeyFlagsValuesNoOrderExplains() {
        // A survives B, which began after A returned.
        #expect(
            shared("c1.1;c2.2;").contains { $0.contains("returned before acknowledged put c1.2;") },
            "\(shared("c1.1;c2.2;"))")
        // y began after B returned but is missing.
        #expect(shared("c1.2;").contains { $0.contains("c2.2;") && $0.contains("missing") }, "\(shared("c1.2;"))")
        // x returned before B began, yet is in B's value.
        #expect(shared("c1.2;c2.1;c2.2;").contains { $0.contains("survives") }, "\(shared("c1.2;c2.1;c2.2;"))")
        // No put survives although puts were acknowledged.
        #expect(shared("c2.2;").contains { $0.contains("no put survives") }, "\(shared("c2.2;"))")
        // A put's token after the first position, a duplicate, a token from another key.
        #expect(shared("c1.2;c1.1;c2.2;").contains { $0.contains("is not first") })
        #expect(shared("c1.2;c2.2;c2.2;").contains { $0.contains("twice") })
        #expect(shared("c1.2;c2.2;c0.1;").contains { $0.contains("no write to s0 wrote") })
    }

    @Test func logScanFindsTrapsAndStartRefusals() throws {
        let root = NSTemporaryDirectory() + "skv-stress-check-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let serving = "2025-01-01T00:00:00+0000 info skv.kv.serve: node=1 [SKV] serving skv.raft.Raft and skv.kv.KV\n"
        try serving.write(toFile: root + "/node1.log", atomically: true, encoding: .utf8)
        try (serving + "RSM/ReplicatedStateMachine.swift:300: Fatal error: cannot install the snapshot\n")
            .write(toFile: root + "/node2.log", atomically: true, encoding: .utf8)
        try "skv: cannot open data directory /x: locked\n".write(toFile: root + "/node3.log", atomically: true, encoding: .utf8)
        let problems = StressChecks.logProblems(root: root)
        #expect(problems.count == 2, "\(problems)")
        #expect(problems.first?.hasPrefix("node2.log: ") == true && problems.last?.hasPrefix("node3.log: skv: ") == true)
    }
}
