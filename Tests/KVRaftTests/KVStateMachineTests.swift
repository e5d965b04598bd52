import KVRaft
import RPCProtobuf
import Testing

/// The KV operations' semantics, the snapshot form, and determinism.
@Suite struct KVStateMachineTests {
    static func b(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func putGetAppendDelete() {
        var machine = KVStateMachine()
        #expect(machine.execute(KVCommand(kind: .get, key: Self.b("k"))) == KVCommandResult(outcome: .noKey))
        #expect(machine.execute(KVCommand(kind: .append, key: Self.b("k"), value: Self.b("a"))).outcome == .ok)
        #expect(machine.execute(KVCommand(kind: .append, key: Self.b("k"), value: Self.b("b"))).outcome == .ok)
        #expect(
            machine.execute(KVCommand(kind: .get, key: Self.b("k")))
                == KVCommandResult(outcome: .ok, value: Self.b("ab"), valuePresent: true))
        #expect(machine.execute(KVCommand(kind: .put, key: Self.b("k"), value: [])).outcome == .ok)
        #expect(machine.read(Self.b("k")) == KVCommandResult(outcome: .ok, value: [], valuePresent: true))
        #expect(machine.execute(KVCommand(kind: .delete, key: Self.b("k"))).outcome == .ok)
        #expect(machine.execute(KVCommand(kind: .delete, key: Self.b("k"))).outcome == .noKey)
        #expect(machine.count == 0)
    }

    struct CompareAndSwapCase: Sendable, CustomTestStringConvertible {
        var current: String?
        var expected: String?
        var outcome: KVOutcome
        var after: String?
        var testDescription: String { "\(current ?? "absent") expecting \(expected ?? "absent") -> \(outcome)" }
    }

    @Test(arguments: [
        CompareAndSwapCase(current: "old", expected: "old", outcome: .ok, after: "new"),
        CompareAndSwapCase(current: "old", expected: "other", outcome: .compareFailed, after: "old"),
        CompareAndSwapCase(current: nil, expected: "old", outcome: .noKey, after: nil),
        CompareAndSwapCase(current: nil, expected: nil, outcome: .ok, after: "new"),
        CompareAndSwapCase(current: "old", expected: nil, outcome: .compareFailed, after: "old"),
        CompareAndSwapCase(current: "", expected: "", outcome: .ok, after: "new"),
    ])
    func compareAndSwap(_ c: CompareAndSwapCase) {
        var machine = KVStateMachine()
        if let current = c.current { _ = machine.execute(KVCommand(kind: .put, key: Self.b("k"), value: Self.b(current))) }
        let result = machine.execute(
            KVCommand(
                kind: .compareAndSwap, key: Self.b("k"), value: Self.b("new"), expected: Self.b(c.expected ?? ""),
                expectAbsent: c.expected == nil))
        #expect(result.outcome == c.outcome)
        if c.outcome == .compareFailed {
            #expect(result.valuePresent && result.value == Self.b(c.current ?? ""))
        }
        #expect(machine.value(forKey: Self.b("k")) == c.after.map(Self.b))
    }

    @Test func snapshotIsSortedDeterministicAndRoundTrips() throws {
        var a = KVStateMachine()
        var b = KVStateMachine()
        let keys = ["b", "a", "ab", "", "z\u{0}", "\u{FF}"]
        for key in keys { _ = a.execute(KVCommand(kind: .put, key: Self.b(key), value: Self.b("v" + key))) }
        for key in keys.reversed() { _ = b.execute(KVCommand(kind: .put, key: Self.b(key), value: Self.b("v" + key))) }
        #expect(a.snapshot() == b.snapshot())
        let decoded = try ProtobufDeserializer<KVStateSnapshot>().deserialize(a.snapshot())
        #expect(decoded.pairs.map(\.key) == keys.map(Self.b).sorted { $0.lexicographicallyPrecedes($1) })
        var restored = KVStateMachine()
        _ = restored.execute(KVCommand(kind: .put, key: Self.b("gone"), value: []))
        try restored.restore(a.snapshot())
        #expect(restored.snapshot() == a.snapshot())
        #expect(restored.value(forKey: Self.b("gone")) == nil)
    }

    /// Keys are their bytes: a key, its extension by a zero byte and the empty key are three
    /// keys, through operations and a snapshot round trip (the dictionary hashes the bytes).
    @Test func keysThatArePrefixesOfEachOtherAreDistinct() throws {
        var machine = KVStateMachine()
        let keys: [[UInt8]] = [[], [0x01], [0x01, 0x00], [0x00], [0x00, 0x00]]
        for (i, key) in keys.enumerated() {
            _ = machine.execute(KVCommand(kind: .put, key: key, value: [UInt8(i)]))
        }
        var restored = KVStateMachine()
        try restored.restore(machine.snapshot())
        for replica in [machine, restored] {
            #expect(replica.count == keys.count)
            for (i, key) in keys.enumerated() { #expect(replica.value(forKey: key) == [UInt8(i)]) }
        }
        #expect(machine.execute(KVCommand(kind: .delete, key: [0x01])).outcome == .ok)
        #expect(machine.value(forKey: [0x01]) == nil && machine.value(forKey: [0x01, 0x00]) == [2])
    }

    @Test func snapshotHoldsOnlyLiveKeys() {
        var machine = KVStateMachine()
        for i in 0..<100 { _ = machine.execute(KVCommand(kind: .put, key: Self.b("k\(i)"), value: Self.b("v"))) }
        for i in 0..<100 { _ = machine.execute(KVCommand(kind: .delete, key: Self.b("k\(i)"))) }
        _ = machine.execute(KVCommand(kind: .put, key: Self.b("x"), value: Self.b("1")))
        #expect(machine.snapshot().count < 10)
    }

    @Test func applyDecodesCommandsAndEncodesResults() throws {
        var machine = KVStateMachine()
        let put = try ProtobufSerializer<KVCommand>().serialize(KVCommand(kind: .put, key: Self.b("k"), value: Self.b("v")))
        #expect(machine.apply(put, index: 1) == [])  // .ok with no value encodes as nothing
        let get = try ProtobufSerializer<KVCommand>().serialize(KVCommand(kind: .get, key: Self.b("k")))
        let reply = try ProtobufDeserializer<KVCommandResult>().deserialize(machine.apply(get, index: 2))
        #expect(reply == KVCommandResult(outcome: .ok, value: Self.b("v"), valuePresent: true))
        #expect(machine.query(get) == machine.apply(get, index: 3))
        #expect(machine.query(put) == [])
    }

    @Test func malformedCommandsApplyAsNoOps() {
        var machine = KVStateMachine()
        _ = machine.execute(KVCommand(kind: .put, key: Self.b("k"), value: Self.b("v")))
        let before = machine.snapshot()
        #expect(machine.apply([0xFF, 0x00], index: 1) == [])
        #expect(machine.apply([0x08, 0x63], index: 2) == [])  // unknown command kind 99
        #expect(machine.snapshot() == before)
    }

    @Test func restoreRejectsMalformedSnapshots() {
        var machine = KVStateMachine()
        #expect(throws: (any Error).self) { try machine.restore([0x0A, 0x10, 0x01]) }
    }
}
