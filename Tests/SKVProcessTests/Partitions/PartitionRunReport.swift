import Linearizability

/// What a partition run prints at its end: the seed, the faults injected (with times), the
/// operations' outcomes, the longest time no operation was acknowledged, and the checks' verdicts.
struct PartitionRunReport {
    typealias Operation = StressWorkload.Operation

    /// Operations the clients saw succeed.
    var ok = 0
    /// Reads that timed out (no effect either way).
    var failed = 0
    /// Writes that timed out: applied or not, the history keeps both possible.
    var unknown = 0
    /// The longest stretch of the load without an acknowledged operation (nanoseconds) and when
    /// it began.
    var longestUnavailability: Int64 = 0
    var longestUnavailabilityStart: Int64 = 0
    /// Check name → verdict ("ok", "no: ...", "unknown: ...").
    var verdicts: [(check: String, verdict: String)] = []

    init(_ operations: [Operation], loadFrom start: Int64, to end: Int64) {
        for op in operations {
            if op.output != nil {
                ok += 1
            } else if case .get(_) = op.input {
                failed += 1
            } else {
                unknown += 1
            }
        }
        var previous = start
        for returned in operations.compactMap({ $0.output != nil ? $0.return : nil }).sorted() + [end]
        where returned >= start && returned <= end {
            if returned - previous > longestUnavailability {
                longestUnavailability = returned - previous
                longestUnavailabilityStart = previous
            }
            previous = returned
        }
    }

    mutating func record(_ check: String, problems: [String], unknown: Bool = false) {
        verdicts.append(
            (check, unknown ? "unknown (no verdict)" : problems.isEmpty ? "ok" : "FAILED (\(problems.count) problems)"))
    }

    /// The fault active (or last healed) when the longest unavailability began.
    func faultAtLongestUnavailability(_ faults: [PartitionNemesis.Injected]) -> String {
        let at = faults.last { $0.injectedAt <= longestUnavailabilityStart + longestUnavailability }
        return at.map { "during or after fault #\($0.number) (\($0.kind.rawValue))" } ?? "before the first fault"
    }

    func render(name: String, seed: UInt64, faults: [PartitionNemesis.Injected], replay: String) -> String {
        let recoveries = faults.compactMap(\.recovery)
        let slowest = recoveries.max().map { "\(seconds($0.nanoseconds))s" } ?? "-"
        return """
            \(name) report: seed \(seed) (replay the schedule: \(replay)=\(seed))
              faults injected: \(faults.count) (delay and reorder are not injected: this kernel has no sch_netem)
            \(faults.map { "    \($0)" }.joined(separator: "\n"))
              ops: ok \(ok), failed \(failed) (reads timed out), unknown \(unknown) (writes timed out)
              longest unavailability: \(seconds(longestUnavailability))s from \(seconds(longestUnavailabilityStart))s \
            (\(faultAtLongestUnavailability(faults)))
              slowest return to service after a heal: \(slowest) (bound \(PartitionNemesis.servingLimit))
            \(verdicts.map { "  check \($0.check): \($0.verdict)" }.joined(separator: "\n"))
            """
    }

    /// The history's checks on `operations` (with the final reads): acknowledged writes kept,
    /// no rejection, linearizability; records their verdicts and returns the problems.
    mutating func checkHistory(
        _ operations: [Operation], finalValues: [String: String], clients: Int, sharedKeys: Int, rejected: Int,
        timeout: Duration
    ) -> [String] {
        var writes = StressChecks.checkOwnKeys(operations, finalValues, clients: 0..<clients)
            + StressChecks.checkSharedKeys(
                operations, finalValues, keys: (0..<sharedKeys).map(StressWorkload.sharedKey))
        if rejected > 0 { writes.append("\(rejected) operation(s) were rejected by a server") }
        record("no acknowledged write lost (own keys exactly once, in order; shared keys)", problems: writes)
        let (linearizable, linearizability) = StressChecks.linearizability(operations, timeout: timeout)
        record(
            "linearizable (per key, \(operations.count) operations)", problems: linearizability,
            unknown: linearizable == "unknown")
        return writes + linearizability
    }

    /// Service after every heal within ``PartitionNemesis/servingLimit`` and enough progress
    /// overall; records the verdict and returns the problems.
    mutating func checkService(
        _ faults: [PartitionNemesis.Injected], catchUpLimit: Duration = PartitionNemesis.defaultCatchUpLimit,
        leastAcknowledged: Int = 100
    ) -> [String] {
        var problems = faults.filter { $0.servingAgainAt == nil }.map {
            "no operation was acknowledged within \(PartitionNemesis.servingLimit) of healing fault #\($0.number)"
        }
        problems += faults.filter { $0.caughtUpAt == nil }.map {
            "not every replica applied what was committed at the heal of fault #\($0.number) "
                + "within \(catchUpLimit)"
        }
        if ok < leastAcknowledged { problems.append("only \(ok) operations were acknowledged: too little progress") }
        record(
            "after every heal: serving within \(PartitionNemesis.servingLimit), every replica caught up within "
                + "\(catchUpLimit)", problems: problems)
        return problems
    }
}
