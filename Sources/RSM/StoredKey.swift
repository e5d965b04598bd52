/// A key of a state machine's dictionary (KVRaft's `KVStateMachine`, ShardKV's `ShardStore`):
/// the key's bytes, hashed in one call.
///
/// `[UInt8]`'s own `hash(into:)` feeds the hasher one byte at a time (16 calls for a 16-byte
/// key); restoring a 1-million-key snapshot spent a fifth of its CPU there (perf of a wiped
/// follower catching up). Equality is the bytes' equality, so the dictionary behaves as one
/// keyed by `[UInt8]`.
package struct StoredKey: Hashable, Sendable {
    package let bytes: [UInt8]

    package init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    package func hash(into hasher: inout Hasher) {
        // The byte count is part of SipHash's input, so [1] and [1, 0] still differ.
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    package static func == (lhs: StoredKey, rhs: StoredKey) -> Bool { lhs.bytes == rhs.bytes }
}
