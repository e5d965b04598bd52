import RSM

/// A state machine that records every command it applies (as UTF-8 strings) and replies with
/// "<count>:<command>"; its snapshot is the record joined by newlines.
struct RecordingMachine: StateMachine, Sendable {
    var applied: [String] = []

    mutating func apply(_ command: [UInt8], index: UInt64) -> [UInt8] {
        let text = String(decoding: command, as: UTF8.self)
        applied.append(text)
        return Array("\(applied.count):\(text)".utf8)
    }

    func query(_ query: [UInt8]) -> [UInt8] { Array("\(applied.count)".utf8) }

    func snapshot() -> [UInt8] { Array(applied.joined(separator: "\n").utf8) }

    mutating func restore(_ snapshot: [UInt8]) throws {
        let text = String(decoding: snapshot, as: UTF8.self)
        applied = text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }
}

extension Array where Element == UInt8 {
    var text: String { String(decoding: self, as: UTF8.self) }
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}
