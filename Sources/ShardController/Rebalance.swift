/// Reassigns `shards` (shard → gid) so that the groups `gids` serve them as evenly as possible
/// (the shard counts of any two groups differ by at most 1) while moving as few shards as
/// possible. The 6.824 Lab 4A controller runs it after every Join and Leave.
///
/// A shard moves only if its group is not in `gids` (gid 0, or a group that left) or its group
/// serves more than its share. The shares are `shards.count / gids.count`, plus one for as
/// many groups as the remainder, and the larger shares go to the groups that already serve the
/// most shards; so a group gives up only what it has beyond the largest share it could get.
/// After a Join only the existing groups' surplus moves (to the new groups); after a Leave only
/// the departed groups' shards move. That is the fewest moves any balanced assignment needs:
/// every shard on a missing group must move, and a group holding `c` shards with share `t`
/// must lose `c − t`, which giving the larger shares to the larger holders minimizes.
///
/// Pure and deterministic: the result depends only on the arguments (ties are broken by gid,
/// then by shard index; no hash-table iteration order), so every replica computes the same
/// configuration. gid 0 in `gids` is ignored; with no groups every shard goes to gid 0; with
/// more groups than shards some groups get none.
public func rebalance(_ shards: [UInt64], among gids: some Sequence<UInt64>) -> [UInt64] {
    let live = Set(gids).subtracting([ShardConfig.noGroup])
    let groups = live.sorted()
    guard !groups.isEmpty else { return Array(repeating: ShardConfig.noGroup, count: shards.count) }

    var owned: [UInt64: [Int]] = [:]
    var unassigned: [Int] = []
    for (shard, gid) in shards.enumerated() {
        if live.contains(gid) {
            owned[gid, default: []].append(shard)
        } else {
            unassigned.append(shard)
        }
    }

    // Shares: the remainder's extra shard goes to the most loaded groups (then lowest gid).
    let base = shards.count / groups.count
    let extra = shards.count % groups.count
    let byLoad = groups.sorted { a, b in
        let (countA, countB) = (owned[a]?.count ?? 0, owned[b]?.count ?? 0)
        return countA != countB ? countA > countB : a < b
    }
    var share: [UInt64: Int] = [:]
    for (rank, gid) in byLoad.enumerated() { share[gid] = base + (rank < extra ? 1 : 0) }

    // Take each group's surplus (its highest shards), then fill the groups below their share
    // in gid order with the free shards in index order.
    for gid in groups {
        let target = share[gid] ?? 0
        while let count = owned[gid]?.count, count > target, let shard = owned[gid]?.popLast() {
            unassigned.append(shard)
        }
    }
    unassigned.sort()
    var result = shards
    var next = unassigned.startIndex
    for gid in groups {
        var count = owned[gid]?.count ?? 0
        while count < share[gid] ?? 0, next < unassigned.endIndex {
            result[unassigned[next]] = gid
            next += 1
            count += 1
        }
    }
    precondition(next == unassigned.endIndex, "the shares add up to the number of shards")
    return result
}
