import Testing

/// The 6.824 Lab 3 tests (3A without, 3B with snapshots) on `KVServer`s over a simulated
/// network. They measure time (ops per second, progress within 1 s, log sizes under load), so
/// they run one at a time: this parent suite serializes every suite nested in it, and the
/// scripts run it apart from the other suites.
@Suite(.serialized) enum Lab3 {}
