import Testing

/// The 6.824 Lab 4B tests on `ShardKVServer` groups and a `ShardCtrlerServer` group over one
/// simulated network. Each runs 12 Raft peers with clerks, so they run one at a time: this
/// parent suite serializes every suite nested in it (`swift test --filter Lab4B` selects them;
/// `SHARDKV_LAB_SEED=<seed>` replays a test's random choices).
@Suite(.serialized) enum Lab4B {}
