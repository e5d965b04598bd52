/// The payload of a ``Entry/Kind/configChange`` log entry: the change as proposed and the
/// membership it leads to.
///
/// The leader computes ``result`` when it proposes (``ConfChanger`` applied to its membership,
/// with no other change pending, so to the membership in force at that point of the log). A
/// member applying the entry adopts ``result`` as it is, without recomputing it: a node that
/// joins with an unknown membership and replays the log from its start (whose first
/// membership was never a log entry) still ends with its group's membership.
///
/// Encoding (version 1), little-endian base-128 varints (`v`) and bytes (`b`):
/// `b:1` version, `b` transition (0 auto, 1 joint, 2 joint with auto-leave), `v` change count,
/// per change `b` kind (0 add voter, 1 add learner, 2 remove, 3 add voter when caught up) and
/// `v` node id, `v` context length and its bytes, then the result: five id lists (`v` count,
/// `v` ids: voters, outgoing voters, learners, learners next, promoted when caught up) and
/// `b` auto-leave (0 or 1). Decoding refuses anything else, including trailing bytes.
public struct ConfChangeEntry: Sendable, Hashable {
    public var change: ConfChange
    public var result: ConfState

    public init(change: ConfChange, result: ConfState) {
        self.change = change
        self.result = result
    }

    static let version: UInt8 = 1
    /// Ids per list and changes per entry a decoder accepts (a group has a handful of members).
    public static let maxIDsPerList = 1_024

    /// The entry's bytes.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = [Self.version]
        switch change.transition {
        case .auto: out.append(0)
        case .joint(autoLeave: false): out.append(1)
        case .joint(autoLeave: true): out.append(2)
        }
        Self.putVarint(UInt64(change.changes.count), into: &out)
        for item in change.changes {
            switch item.kind {
            case .addVoter: out.append(0)
            case .addLearner: out.append(1)
            case .removeNode: out.append(2)
            case .addVoterWhenCaughtUp: out.append(3)
            }
            Self.putVarint(item.nodeID, into: &out)
        }
        Self.putVarint(UInt64(change.context.count), into: &out)
        out.append(contentsOf: change.context)
        for list in [result.voters, result.votersOutgoing, result.learners, result.learnersNext, result.autoPromote] {
            Self.putVarint(UInt64(list.count), into: &out)
            for id in list { Self.putVarint(id, into: &out) }
        }
        out.append(result.autoLeave ? 1 : 0)
        return out
    }

    /// Decodes `bytes`, or returns nil if they are not a version-1 encoding.
    public init?(decoding bytes: [UInt8]) {
        var reader = Reader(bytes: bytes)
        guard reader.byte() == Self.version, let transitionByte = reader.byte() else { return nil }
        let transition: ConfChange.Transition
        switch transitionByte {
        case 0: transition = .auto
        case 1: transition = .joint(autoLeave: false)
        case 2: transition = .joint(autoLeave: true)
        default: return nil
        }
        guard let count = reader.count(max: Self.maxIDsPerList) else { return nil }
        var changes: [ConfChange.Change] = []
        for _ in 0..<count {
            guard let kindByte = reader.byte(), let node = reader.varint() else { return nil }
            let kind: ConfChange.Change.Kind
            switch kindByte {
            case 0: kind = .addVoter
            case 1: kind = .addLearner
            case 2: kind = .removeNode
            case 3: kind = .addVoterWhenCaughtUp
            default: return nil
            }
            changes.append(ConfChange.Change(kind, node))
        }
        guard let contextLength = reader.count(max: bytes.count), let context = reader.bytes(contextLength) else {
            return nil
        }
        var lists: [[UInt64]] = []
        for _ in 0..<5 {
            guard let n = reader.count(max: Self.maxIDsPerList) else { return nil }
            var list: [UInt64] = []
            for _ in 0..<n {
                guard let id = reader.varint() else { return nil }
                list.append(id)
            }
            lists.append(list)
        }
        guard let autoLeaveByte = reader.byte(), autoLeaveByte <= 1, reader.atEnd else { return nil }
        change = ConfChange(changes, transition: transition, context: context)
        result = ConfState(
            voters: lists[0], votersOutgoing: lists[1], learners: lists[2], learnersNext: lists[3],
            autoLeave: autoLeaveByte == 1, autoPromote: lists[4])
    }

    static func putVarint(_ value: UInt64, into out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    private struct Reader {
        let bytes: [UInt8]
        var position = 0

        var atEnd: Bool { position == bytes.count }

        mutating func byte() -> UInt8? {
            guard position < bytes.count else { return nil }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func varint() -> UInt64? {
            var value: UInt64 = 0
            for shift in stride(from: 0, to: 64, by: 7) {
                guard let b = byte() else { return nil }
                value |= UInt64(b & 0x7F) << UInt64(shift)
                if b & 0x80 == 0 { return value }
            }
            return nil
        }

        mutating func count(max: Int) -> Int? {
            guard let v = varint(), v <= UInt64(max) else { return nil }
            return Int(v)
        }

        mutating func bytes(_ n: Int) -> [UInt8]? {
            guard bytes.count - position >= n else { return nil }
            defer { position += n }
            return Array(bytes[position..<(position + n)])
        }
    }
}
