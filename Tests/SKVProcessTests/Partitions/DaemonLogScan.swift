import Foundation

/// The soak's log check: lines at level `error` or `critical`, traps, and start-up refusals in
/// the daemons' logs, except the ones the injected faults are expected to cause
/// (``expectedPatterns``). Warnings (e.g. "peer unreachable" during a partition) are counted by
/// message and printed, not failures.
enum DaemonLogScan {
    /// Substrings of error lines that a partition, pause or kill explains.
    static let expectedPatterns: [String] = []
    static let unexpectedLevels: Set<Substring> = ["error", "critical"]

    /// Unexpected lines (at most 5 per log), after printing the warning counts.
    static func unexpectedLines(logs: [String]) -> [String] {
        var problems: [String] = []
        var warnings: [String: Int] = [:]
        for path in logs {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            var found: [String] = []
            for line in text.split(separator: "\n") {
                let level = line.split(separator: " ", maxSplits: 2).dropFirst().first ?? ""
                if level == "warning" {
                    let message = line.split(separator: "]", maxSplits: 1).last.map(String.init) ?? String(line)
                    warnings[message.trimmingCharacters(in: .whitespaces), default: 0] += 1
                }
                let bad = unexpectedLevels.contains(level) || line.contains("Fatal error") || line.hasPrefix("skv: ")
                if bad, !expectedPatterns.contains(where: { line.contains($0) }) { found.append(String(line)) }
            }
            problems += found.prefix(5).map { "\((path as NSString).lastPathComponent): \($0)" }
            if found.count > 5 { problems.append("\(path): \(found.count - 5) more unexpected lines") }
        }
        print(
            "log scan: \(logs.count) logs, warnings by message: "
                + (warnings.isEmpty
                    ? "none"
                    : warnings.sorted { $0.value > $1.value }.prefix(10).map { "\($0.value)x \($0.key)" }
                        .joined(separator: "; ")))
        return problems
    }
}
