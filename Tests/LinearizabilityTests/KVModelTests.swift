import Linearizability
import Testing

/// Small hand-written histories with known verdicts, in the spirit of Porcupine's own tests:
/// each case states the interleaving that makes it legal, or why none exists.
@Suite struct KVModelTests {
    typealias Op = HistoryOperation<KVModel.Input, KVModel.Output>

    static func op(_ client: Int, _ input: KVModel.Input, _ call: Int64, _ output: KVModel.Output?, _ ret: Int64?) -> Op {
        Op(clientID: client, input: input, call: call, output: output, return: ret)
    }

    @Test func concurrentPutAndGetEitherOrderIsLegal() {
        // put(x,1) overlaps both gets; one get sees "", the other "1": legal (get "" first).
        let history = [
            Self.op(0, .put(key: "x", value: "1"), 0, .done, 10),
            Self.op(1, .get(key: "x"), 1, .value(""), 5),
            Self.op(2, .get(key: "x"), 6, .value("1"), 9),
        ]
        #expect(LinearizabilityChecker.check(KVModel(), history) == .ok)
    }

    @Test func staleReadAfterCompletedWriteIsIllegal() {
        let history = [
            Self.op(0, .put(key: "x", value: "1"), 0, .done, 10),
            Self.op(1, .get(key: "x"), 11, .value(""), 12),
        ]
        guard case .illegal(let failure) = LinearizabilityChecker.check(KVModel(), history) else {
            Issue.record("expected illegal"); return
        }
        #expect(failure.operations.count == 2)
        #expect(failure.description.contains("get(x)"))
    }

    @Test func readOfAValueNeverWrittenIsIllegal() {
        let history = [
            Self.op(0, .put(key: "x", value: "1"), 0, .done, 10),
            Self.op(1, .get(key: "x"), 1, .value("2"), 9),
        ]
        #expect(LinearizabilityChecker.check(KVModel(), history) != .ok)
    }

    @Test func readsMustNotGoBackInTime() {
        // Once a get has seen "1", a later get (starting after it returned) cannot see "".
        let history = [
            Self.op(0, .put(key: "x", value: "1"), 0, .done, 100),
            Self.op(1, .get(key: "x"), 10, .value("1"), 20),
            Self.op(2, .get(key: "x"), 30, .value(""), 40),
        ]
        #expect(LinearizabilityChecker.check(KVModel(), history) != .ok)
    }

    @Test func appendsComposeInSomeOrder() {
        let history = [
            Self.op(0, .append(key: "k", value: "a"), 0, .done, 10),
            Self.op(1, .append(key: "k", value: "b"), 0, .done, 10),
            Self.op(2, .get(key: "k"), 11, .value("ba"), 12),
        ]
        #expect(LinearizabilityChecker.check(KVModel(), history) == .ok)
        var bad = history
        bad[2] = Self.op(2, .get(key: "k"), 11, .value("ab!"), 12)
        #expect(LinearizabilityChecker.check(KVModel(), bad) != .ok)
    }

    @Test func keysAreCheckedIndependently() {
        let history = [
            Self.op(0, .put(key: "a", value: "1"), 0, .done, 1),
            Self.op(0, .put(key: "b", value: "2"), 2, .done, 3),
            Self.op(1, .get(key: "a"), 4, .value("1"), 5),
            Self.op(1, .get(key: "b"), 6, .value("wrong"), 7),
        ]
        guard case .illegal(let failure) = LinearizabilityChecker.check(KVModel(), history) else {
            Issue.record("expected illegal"); return
        }
        #expect(failure.partition == 1)  // partitions are sorted by key: "a", "b"
        #expect(failure.operations == [1, 3])
    }

    @Test func pendingWriteMayOrMayNotHaveHappened() {
        // A put whose client never heard back: later reads may see it or not, but not both
        // orders interleaved backwards.
        let seen = [
            Self.op(0, .put(key: "x", value: "1"), 0, nil, nil),
            Self.op(1, .get(key: "x"), 5, .value(""), 6),
            Self.op(1, .get(key: "x"), 7, .value("1"), 8),
        ]
        #expect(LinearizabilityChecker.check(KVModel(), seen) == .ok)
        let neverSeen = [
            Self.op(0, .put(key: "x", value: "1"), 0, nil, nil),
            Self.op(1, .get(key: "x"), 5, .value(""), 6),
        ]
        #expect(LinearizabilityChecker.check(KVModel(), neverSeen) == .ok)
        let backwards = [
            Self.op(0, .put(key: "x", value: "1"), 0, nil, nil),
            Self.op(1, .get(key: "x"), 5, .value("1"), 6),
            Self.op(1, .get(key: "x"), 7, .value(""), 8),
        ]
        #expect(LinearizabilityChecker.check(KVModel(), backwards) != .ok)
    }

    @Test func deleteAndCompareAndSwap() {
        let history = [
            Self.op(0, .put(key: "x", value: "v1"), 0, .done, 1),
            Self.op(0, .compareAndSwap(key: "x", expected: "v1", new: "v2"), 2, .swapped(true), 3),
            Self.op(1, .compareAndSwap(key: "x", expected: "v1", new: "v3"), 4, .swapped(false), 5),
            Self.op(1, .get(key: "x"), 6, .value("v2"), 7),
            Self.op(0, .delete(key: "x"), 8, .done, 9),
            Self.op(1, .get(key: "x"), 10, .value(""), 11),
        ]
        #expect(LinearizabilityChecker.check(KVModel(), history) == .ok)
        var lying = history
        lying[2] = Self.op(1, .compareAndSwap(key: "x", expected: "v1", new: "v3"), 4, .swapped(true), 5)
        #expect(LinearizabilityChecker.check(KVModel(), lying) != .ok)
    }

    @Test func registerModelWorks() {
        typealias R = HistoryOperation<RegisterModel.Input, Int>
        let ok = [
            R(clientID: 0, input: .write(1), call: 0, output: 0, return: 5),
            R(clientID: 1, input: .read, call: 1, output: 1, return: 2),
            R(clientID: 2, input: .read, call: 3, output: 1, return: 4),
        ]
        #expect(LinearizabilityChecker.check(RegisterModel(), ok) == .ok)
        let bad = [
            R(clientID: 0, input: .write(1), call: 0, output: 0, return: 5),
            R(clientID: 1, input: .read, call: 1, output: 1, return: 2),
            R(clientID: 2, input: .read, call: 3, output: 0, return: 4),
        ]
        #expect(LinearizabilityChecker.check(RegisterModel(), bad) != .ok)
    }
}
