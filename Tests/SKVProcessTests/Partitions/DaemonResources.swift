import Foundation

/// Resident memory and open file descriptors of daemons, read from `/proc/<pid>` during a soak;
/// the first sample is the baseline the bounds compare the last one with.
struct DaemonResources {
    /// One reading of one process.
    struct Sample: CustomStringConvertible {
        var pid: Int32
        var residentKiB: Int
        var openFiles: Int
        var description: String { "pid \(pid) RSS \(residentKiB / 1024) MiB, \(openFiles) fds" }
    }

    /// Load before the baseline, so start-up allocations and connection set-up are not growth.
    static let warmUp: Duration = .seconds(20)
    /// The bounds: at the end, RSS at most `start × 3/2 + 32 MiB` and at most
    /// `start + 16` open descriptors (same process; a restarted daemon is not compared).
    static let residentSlackKiB = 32 * 1024
    static let openFilesSlack = 16

    private(set) var first: [String: Sample] = [:]
    private(set) var last: [String: Sample] = [:]
    private(set) var peakResidentKiB: [String: Int] = [:]

    static func read(pid: Int32) -> Sample? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kib = Int(line.split(whereSeparator: \.isWhitespace).dropFirst().first ?? ""),
            let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")
        else { return nil }
        return Sample(pid: pid, residentKiB: kib, openFiles: fds.count)
    }

    /// Reads every running daemon (for the peak); with a `label` the reading is printed and
    /// compared (the first labelled one is the baseline, the last the end).
    mutating func sample(_ daemons: [PartitionNemesis.Daemon], label: String?) {
        var readings: [String] = []
        for daemon in daemons {
            guard let pid = daemon.cluster.processIdentifier(daemon.index), let sample = Self.read(pid: pid) else {
                continue
            }
            let name = daemon.description
            if label != nil, first[name] == nil { first[name] = sample }
            if label != nil { last[name] = sample }
            peakResidentKiB[name] = max(peakResidentKiB[name] ?? 0, sample.residentKiB)
            readings.append("\(name): \(sample)")
        }
        if let label {
            print("resources at \(label): " + readings.joined(separator: "; "))
        }
    }

    /// Daemons whose last reading exceeds the bounds against their first.
    func problems() -> [String] {
        first.sorted { $0.key < $1.key }.compactMap { name, start in
            guard let end = last[name], end.pid == start.pid else { return nil }
            if end.residentKiB > start.residentKiB * 3 / 2 + Self.residentSlackKiB {
                return "\(name): RSS grew from \(start.residentKiB) KiB to \(end.residentKiB) KiB"
            }
            if end.openFiles > start.openFiles + Self.openFilesSlack {
                return "\(name): open fds grew from \(start.openFiles) to \(end.openFiles)"
            }
            return nil
        }
    }

    func render() -> String {
        (first.sorted { $0.key < $1.key }.map { name, start in
            let end = last[name]
            return "  \(name): start \(start), end \(end.map(\.description) ?? "-"), peak RSS "
                + "\((peakResidentKiB[name] ?? 0) / 1024) MiB"
                + (end.map { $0.pid != start.pid ? " (restarted: not compared)" : "" } ?? "")
        } + [
            "  bound: end RSS <= start x 1.5 + \(Self.residentSlackKiB / 1024) MiB, "
                + "end fds <= start + \(Self.openFilesSlack)"
        ]).joined(separator: "\n")
    }
}
