import Testing

@testable import RPCHTTP2NIO

/// `CallDeadlines`: one timer for a connection's call deadlines — when it is armed, what expires
/// when it fires, how often it fires at most, and that ended calls' entries do not pile up.
struct CallDeadlinesTests {
    let start = ContinuousClock.now

    @Test func theTimerIsArmedForTheEarliestDeadlineOnly() {
        var deadlines = CallDeadlines()
        #expect(deadlines.add(1, deadline: start + .seconds(5)) == start + .seconds(5))
        // Later deadlines (the usual case: calls with the same timeout) leave the timer alone.
        #expect(deadlines.add(2, deadline: start + .seconds(6)) == nil)
        #expect(deadlines.add(3, deadline: start + .seconds(5)) == nil)
        // An earlier one re-arms it.
        #expect(deadlines.add(4, deadline: start + .seconds(1)) == start + .seconds(1))
        #expect(deadlines.armedAt == start + .seconds(1))
        #expect(deadlines.count == 4)
    }

    @Test func firingExpiresThePassedDeadlinesEarliestFirstAndArmsForTheNext() {
        var deadlines = CallDeadlines()
        for (token, seconds) in [(1, 3), (2, 1), (3, 2), (4, 10)] {
            _ = deadlines.add(UInt64(token), deadline: start + .seconds(seconds))
        }
        var expired: [UInt64] = []
        let next = deadlines.fired(now: start + .seconds(2), expired: &expired)
        #expect(expired == [2, 3])
        #expect(next == start + .seconds(3))
        #expect(deadlines.armedAt == next)
        expired = []
        #expect(deadlines.fired(now: start + .seconds(10), expired: &expired) == nil)
        #expect(expired == [1, 4])
        #expect(deadlines.count == 0 && deadlines.armedAt == nil)
        // Empty again: the next call arms the timer anew.
        #expect(deadlines.add(5, deadline: start + .seconds(11)) == start + .seconds(11))
    }

    @Test func theTimerFiresAtMostOncePerResolution() {
        var deadlines = CallDeadlines()
        let now = start + .seconds(1)
        _ = deadlines.add(1, deadline: now)
        _ = deadlines.add(2, deadline: now + .microseconds(10))
        var expired: [UInt64] = []
        let next = deadlines.fired(now: now, expired: &expired)
        #expect(expired == [1])
        // Entry 2 is due 10 µs later, but the timer waits for the resolution.
        #expect(next == now + CallDeadlines.resolution)
    }

    @Test func endedCallsEntriesAreDroppedOnceTheyOutnumberTheLiveCalls() {
        var deadlines = CallDeadlines()
        let total = CallDeadlines.compactionThreshold + 100
        for token in 0..<total { _ = deadlines.add(UInt64(token), deadline: start + .seconds(60)) }
        let live: Set<UInt64> = [7, 500, UInt64(total - 1)]
        // Over the threshold and more than factor × live entries: only the live ones stay.
        deadlines.compactIfLarge(liveCalls: live.count) { live.contains($0) }
        #expect(deadlines.count == live.count)
        var expired: [UInt64] = []
        _ = deadlines.fired(now: start + .seconds(61), expired: &expired)
        #expect(expired == [7, 500, UInt64(total - 1)])
        // Under the threshold nothing is dropped.
        for token in 0..<10 { _ = deadlines.add(UInt64(token), deadline: start + .seconds(70)) }
        deadlines.compactIfLarge(liveCalls: 0) { _ in false }
        #expect(deadlines.count == 10)
    }
}
