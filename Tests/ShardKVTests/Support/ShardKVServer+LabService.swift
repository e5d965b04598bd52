public import LabHarness
import ShardKV

/// A ShardKV server runs as a lab replica (one conformance for every ShardKV test suite).
extension ShardKVServer: LabService {}
