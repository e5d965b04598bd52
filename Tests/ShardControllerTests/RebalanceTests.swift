import LabHarness
import ShardController
import Simulation
import Testing

/// The pure `rebalance`: balance, validity, minimal movement (against a brute-force optimum on
/// small cases), determinism, and a seeded randomized property test.
@Suite struct RebalanceTests {
    /// Shard counts per live group (a group without shards counts 0).
    static func counts(_ shards: [UInt64], _ gids: [UInt64]) -> [Int] {
        gids.map { gid in shards.filter { $0 == gid }.count }
    }

    static func moves(_ before: [UInt64], _ after: [UInt64]) -> Int {
        zip(before, after).filter { $0 != $1 }.count
    }

    /// The fewest moves any balanced assignment of `shards` to `gids` needs, by trying every
    /// assignment (gids.count ^ shards.count of them).
    static func bruteForceMinimumMoves(_ shards: [UInt64], _ gids: [UInt64]) -> Int {
        var best = Int.max
        var assignment = Array(repeating: 0, count: shards.count)
        while true {
            var counts = Array(repeating: 0, count: gids.count)
            for group in assignment { counts[group] += 1 }
            if (counts.max() ?? 0) - (counts.min() ?? 0) <= 1 {
                best = min(best, moves(shards, assignment.map { gids[$0] }))
            }
            var position = 0
            while position < assignment.count, assignment[position] == gids.count - 1 {
                assignment[position] = 0
                position += 1
            }
            if position == assignment.count { return best }
            assignment[position] += 1
        }
    }

    /// Every shard on a live group (if any), and max − min ≤ 1 over all live groups.
    static func expectValidAndBalanced(
        _ result: [UInt64], _ gids: [UInt64], context: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        if gids.isEmpty {
            #expect(result.allSatisfy { $0 == 0 }, "\(context): \(result)", sourceLocation: sourceLocation)
            return
        }
        #expect(result.allSatisfy { gids.contains($0) }, "\(context): \(result)", sourceLocation: sourceLocation)
        let counts = counts(result, gids)
        #expect((counts.max() ?? 0) - (counts.min() ?? 0) <= 1, "\(context): counts \(counts)", sourceLocation: sourceLocation)
    }

    @Test func noGroupsUnassignsEveryShard() {
        #expect(rebalance([1, 2, 3, 1, 2, 3, 1, 2, 3, 1], among: []) == Array(repeating: 0, count: 10))
        #expect(rebalance([1, 2, 3, 1, 2, 3, 1, 2, 3, 1], among: [0]) == Array(repeating: 0, count: 10))
    }

    @Test func firstJoinTakesEveryShard() {
        #expect(rebalance(Array(repeating: 0, count: 10), among: [7]) == Array(repeating: 7, count: 10))
    }

    @Test func secondJoinTakesHalfAndLeavesTheRestInPlace() {
        let before: [UInt64] = Array(repeating: 1, count: 10)
        let after = rebalance(before, among: [1, 2])
        #expect(Self.counts(after, [1, 2]) == [5, 5])
        #expect(Self.moves(before, after) == 5)
    }

    @Test func leaveMovesOnlyTheDepartedGroupsShards() {
        let before: [UInt64] = [1, 1, 1, 1, 2, 2, 2, 3, 3, 3]
        let after = rebalance(before, among: [1, 2])
        Self.expectValidAndBalanced(after, [1, 2], context: "leave 3")
        for shard in 0..<7 { #expect(after[shard] == before[shard]) }
    }

    @Test func moreGroupsThanShardsLeavesSomeGroupsEmpty() {
        let gids: [UInt64] = Array(1...15)
        let before: [UInt64] = Array(1...10)
        let after = rebalance(before, among: gids)
        #expect(after == before)
        Self.expectValidAndBalanced(after, gids, context: "15 groups")
        let fromNothing = rebalance(Array(repeating: 0, count: 10), among: gids)
        #expect(Set(fromNothing).count == 10)
        Self.expectValidAndBalanced(fromNothing, gids, context: "15 groups from nothing")
    }

    /// The same groups in any order (and with duplicates) give the same assignment.
    @Test func resultDependsOnlyOnTheGroupsNotTheirOrder() {
        let before: [UInt64] = [0, 4, 4, 4, 9, 9, 2, 0, 4, 5]
        let gids: [UInt64] = [2, 4, 5, 9, 13, 21]
        let expected = rebalance(before, among: gids)
        var random = SeededRandom(seed: 42)
        for _ in 0..<20 {
            let shuffled = gids.shuffled(using: &random) + [gids[random.int(in: 0..<gids.count)]]
            #expect(rebalance(before, among: shuffled) == expected)
            #expect(rebalance(before, among: Set(gids)) == expected)
        }
    }

    /// Against the brute-force optimum: every starting assignment of 6 shards over gids 0–5
    /// (0 = unassigned; gids not live count as departed), for live group sets of 1–4 groups.
    @Test func movesAsFewShardsAsAnyBalancedAssignment() {
        let liveSets: [[UInt64]] = [[1], [1, 2], [2, 3], [1, 2, 3], [1, 3, 5], [1, 2, 3, 4], [2, 3, 4, 5]]
        let seed = LabSeed.next(environmentVariable: "SHARDCTRLER_TEST_SEED")
        print("movesAsFewShardsAsAnyBalancedAssignment seed \(seed)")
        var random = SeededRandom(seed: seed)
        var checked = 0
        for gids in liveSets {
            for _ in 0..<40 {
                let shardCount = random.int(in: 1...6)
                let before = (0..<shardCount).map { _ in UInt64(random.int(in: 0...5)) }
                let after = rebalance(before, among: gids)
                Self.expectValidAndBalanced(after, gids, context: "seed \(seed) \(before) among \(gids)")
                let best = Self.bruteForceMinimumMoves(before, gids)
                #expect(Self.moves(before, after) == best, "seed \(seed): \(before) among \(gids) → \(after)")
                checked += 1
            }
        }
        // The real shard count, exhaustively over the 3^10 assignments for 3 groups.
        for _ in 0..<5 {
            let before = (0..<ShardConfig.shardCount).map { _ in UInt64(random.int(in: 0...4)) }
            let gids: [UInt64] = [1, 2, 4]
            let after = rebalance(before, among: gids)
            #expect(Self.moves(before, after) == Self.bruteForceMinimumMoves(before, gids), "seed \(seed): \(before)")
            checked += 1
        }
        #expect(checked == liveSets.count * 40 + 5)
    }

    /// Random histories of joins and leaves on 10 shards: every step valid and balanced (when
    /// there are at most 10 groups), joins never move a shard between existing groups, leaves
    /// move only the departed groups' shards, and rebalancing a balanced assignment moves
    /// nothing. Replay with SHARDCTRLER_TEST_SEED=<seed>.
    @Test func randomJoinAndLeaveHistoriesKeepTheInvariants() {
        let seed = LabSeed.next(environmentVariable: "SHARDCTRLER_TEST_SEED")
        print("randomJoinAndLeaveHistoriesKeepTheInvariants seed \(seed)")
        var random = SeededRandom(seed: seed)
        var steps = 0
        for _ in 0..<50 {
            var live: Set<UInt64> = []
            var shards: [UInt64] = Array(repeating: 0, count: ShardConfig.shardCount)
            for _ in 0..<30 {
                let joining = live.isEmpty || random.int(in: 0..<3) != 0
                var next = live
                if joining {
                    for _ in 0..<random.int(in: 1...3) { next.insert(UInt64(random.int(in: 1...30))) }
                } else {
                    let gids = live.sorted()
                    for _ in 0..<random.int(in: 1...2) { next.remove(gids[random.int(in: 0..<gids.count)]) }
                }
                let after = rebalance(shards, among: next)
                let gids = next.sorted()
                let context = "seed \(seed): \(shards) among \(gids) → \(after)"
                if gids.count <= ShardConfig.shardCount {
                    Self.expectValidAndBalanced(after, gids, context: context)
                } else {
                    #expect(after.allSatisfy { next.contains($0) }, "\(context)")
                }
                // A shard whose group survives stays there or goes to a new group: joins only
                // take surplus shards for the new groups, leaves only hand out the departed
                // groups' shards.
                for shard in 0..<shards.count where live.contains(shards[shard]) && next.contains(shards[shard]) {
                    #expect(
                        after[shard] == shards[shard] || !live.contains(after[shard]),
                        "\(context): shard \(shard) moved between existing groups")
                }
                #expect(rebalance(after, among: next) == after, "\(context): not a fixed point")
                shards = after
                live = next
                steps += 1
            }
        }
        #expect(steps == 50 * 30)
    }
}
