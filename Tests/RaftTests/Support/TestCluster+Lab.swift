@testable import Raft

/// Helpers mirroring the 6.824 Lab 2 tester (`config.go`) on top of `TestCluster`, so that
/// its scenarios read the same way. Time is ticks: one "election timeout" is 20 ticks
/// (the upper end of the randomized range for `electionTimeoutTicks = 10`).
extension TestCluster {
    /// Live nodes reachable from `id` (not counting cut links).
    func connected(to id: UInt64) -> [UInt64] {
        liveIDs.filter { $0 == id || !cutLinks.contains([id, $0]) }
    }

    /// Ticks everyone `ticks` times, stabilizing after each tick.
    func run(ticks: Int) {
        for _ in 0..<ticks {
            tickAll()
            stabilize()
        }
    }

    /// Like `checkOneLeader`: runs until exactly one leader exists among `among` (whose
    /// term is the highest), and returns it; nil if none within `maxTicks`.
    func checkOneLeader(among: [UInt64]? = nil, maxTicks: Int = 200) -> UInt64? {
        let group = among ?? liveIDs
        for _ in 0..<maxTicks {
            stabilize()
            let leaders = group.filter { nodes[$0]?.role == .leader }
            let byTerm = Dictionary(grouping: leaders) { nodes[$0]!.term }
            if let (_, top) = byTerm.max(by: { $0.key < $1.key }), top.count == 1 {
                return top[0]
            }
            tickAll()
        }
        return nil
    }

    /// How many nodes applied `data` at `index`, and whether any applied something else.
    func nCommitted(_ index: UInt64) -> Int {
        ids.filter { appliedIndex[$0, default: 0] >= index }.count
    }

    /// Like `one(cmd, expectedServers, retry)`: proposes `data` on a leader among the
    /// nodes in `group` until it is applied by at least `expected` nodes at one index.
    /// Returns the index, or nil after `maxTicks`.
    @discardableResult
    func one(_ data: [UInt8], expected: Int, group: [UInt64]? = nil, maxTicks: Int = 400) -> UInt64?
    {
        var ticks = 0
        while ticks < maxTicks {
            let candidates = group ?? liveIDs
            if let leader = candidates.first(where: { nodes[$0]?.role == .leader }),
                let receipt = try? nodes[leader]!.propose(data)
            {
                for _ in 0..<40 {
                    stabilize()
                    if committedHistory[receipt.index]?.data == data
                        && nCommitted(receipt.index) >= expected
                    {
                        return receipt.index
                    }
                    tickAll()
                    ticks += 1
                }
            } else {
                tickAll()
                stabilize()
                ticks += 1
            }
        }
        return nil
    }
}
