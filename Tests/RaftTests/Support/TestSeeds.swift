#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Seeds for randomized tests. The environment variable `RAFT_SEEDS` overrides `defaults`
/// to replay one failing seed or sweep many: `RAFT_SEEDS=17`, `RAFT_SEEDS=1-500`,
/// `RAFT_SEEDS=3,9,12`, e.g. `RAFT_SEEDS=17 swift test --filter RandomizedSafetyTests`.
func testSeeds(default defaults: [UInt64]) -> [UInt64] {
    guard let raw = getenv("RAFT_SEEDS") else { return defaults }
    var seeds: [UInt64] = []
    for part in String(cString: raw).split(separator: ",") {
        let bounds = part.split(separator: "-").compactMap { UInt64($0) }
        if bounds.count == 2, bounds[0] <= bounds[1] {
            seeds += Array(bounds[0]...bounds[1])
        } else if bounds.count == 1 {
            seeds.append(bounds[0])
        }
    }
    return seeds.isEmpty ? defaults : seeds
}
