import Testing

/// The 6.824 Lab 2 tests (2A–2D) on `RaftPeer`s over a simulated network. They measure time
/// (elections within 5 s, RPC counts per second), so they run one at a time: this parent
/// suite serializes every suite nested in it.
@Suite(.serialized) enum Lab2 {}
