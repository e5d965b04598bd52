import Testing

@testable import Raft

/// `Progress` and `Inflights`: stale-rejection filtering, snapshot state transitions and
/// the in-flight window.
@Suite struct ProgressTests {
    @Test(arguments: [
        // (state, match, next, rejected, hint, decreased, new next)
        (Progress.State.replicate, UInt64(5), UInt64(10), UInt64(5), UInt64(5), false, UInt64(10)),  // stale
        (.replicate, 5, 10, 9, 9, true, 6),
        (.probe, 0, 10, 5, 5, false, 10),  // not the last probe: stale
        (.probe, 0, 10, 9, 9, true, 9),
        (.probe, 0, 10, 9, 2, true, 3),  // hint jumps back
        (.probe, 0, 2, 1, 0, true, 1),  // never below 1
    ])
    func maybeDecrTo(
        state: Progress.State, match: UInt64, next: UInt64, rejected: UInt64, hint: UInt64,
        decreased: Bool, newNext: UInt64
    ) {
        var pr = Progress(match: match, next: next, maxInflight: 4)
        pr.state = state
        #expect(pr.maybeDecrTo(rejected: rejected, matchHint: hint) == decreased)
        #expect(pr.next == newNext)
    }

    @Test func snapshotStateTransitions() {
        var pr = Progress(match: 1, next: 2, maxInflight: 4)
        pr.becomeSnapshot(10)
        #expect(pr.isPaused)
        pr.becomeProbe()
        #expect(pr.next == 11, "leaving snapshot assumes the follower has it")
        pr.becomeReplicate()
        #expect(pr.next == 2)
    }

    @Test func inflightsWindow() {
        var window = Inflights(capacity: 3)
        window.add(1)
        window.add(5)
        window.add(9)
        #expect(window.isFull)
        window.freeLE(5)
        #expect(window.indices == [9])
        window.freeFirstOne()
        #expect(window.count == 0)
    }
}
