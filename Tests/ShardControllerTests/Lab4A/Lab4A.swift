import Testing

/// The 6.824 Lab 4A tests on `ShardCtrlerServer`s over a simulated network. They share the
/// machine's time with Raft elections, so they run one at a time: this parent suite serializes
/// every suite nested in it (`swift test --filter Lab4A` selects them).
@Suite(.serialized) enum Lab4A {}
