import Foundation
import Linearizability

/// The process stress tests' verdicts on a run: the final values against the acknowledged
/// writes (own keys: every acknowledged append once and in order; shared keys: explained by
/// the writes' real-time order), linearizability, and the daemons' logs.
enum StressChecks {
    typealias Operation = StressWorkload.Operation

    /// What the history says about each written token.
    struct Write {
        var key: String
        var isPut: Bool
        var call: Int64
        /// `nil` if the outcome is unknown.
        var returned: Int64?
        var client: Int
    }

    static func writes(_ operations: [Operation]) -> [String: Write] {
        var result: [String: Write] = [:]
        for op in operations {
            switch op.input {
            case .put(let key, let value):
                result[value] = Write(
                    key: key, isPut: true, call: op.call, returned: op.return, client: op.clientID)
            case .append(let key, let value):
                result[value] = Write(
                    key: key, isPut: false, call: op.call, returned: op.return, client: op.clientID)
            default: break
            }
        }
        return result
    }

    static func tokens(_ value: String) -> [String] {
        value.split(separator: ";").map { $0 + ";" }
    }

    /// `c3.17;` → 17.
    static func sequenceNumber(_ token: String) -> Int? {
        guard let dot = token.firstIndex(of: ".") else { return nil }
        return Int(token[token.index(after: dot)...].dropLast())
    }

    /// Each client's own keys: only its own appends, each at most once, in the order issued
    /// (the session table never applies a write after a later one of the same clerk), and
    /// every acknowledged one present.
    static func checkOwnKeys(_ operations: [Operation], _ finalValues: [String: String], clients: Range<Int>)
        -> [String]
    {
        let writes = writes(operations)
        var problems: [String] = []
        for client in clients {
            let keys = Set(writes.values.map(\.key) + finalValues.keys).filter {
                StressWorkload.owner(ofKey: $0) == client
            }
            var acknowledgedCount = 0
            for key in keys.sorted() {
                let found = tokens(finalValues[key] ?? "")
                var seen = Set<String>()
                var lastSequence = 0
                for token in found {
                    guard let write = writes[token], write.key == key, !write.isPut else {
                        problems.append("\(key) holds \(token.debugDescription), which no append to \(key) wrote")
                        continue
                    }
                    if !seen.insert(token).inserted {
                        problems.append("\(key) holds \(token.debugDescription) twice (applied twice)")
                        continue
                    }
                    let sequence = sequenceNumber(token) ?? 0
                    if sequence <= lastSequence {
                        problems.append(
                            "\(key): \(token.debugDescription) comes after sequence \(lastSequence) (out of order)")
                    }
                    lastSequence = sequence
                }
                let acknowledged = writes.filter { $0.value.key == key && $0.value.returned != nil }
                acknowledgedCount += acknowledged.count
                let missing = acknowledged.keys.filter { !seen.contains($0) }.sorted {
                    (sequenceNumber($0) ?? 0) < (sequenceNumber($1) ?? 0)
                }
                if !missing.isEmpty {
                    problems.append(
                        "\(key) lost \(missing.count) acknowledged append(s): "
                            + missing.prefix(10).joined(separator: " "))
                }
            }
            if acknowledgedCount == 0 {
                problems.append("client \(client): no append to its keys was acknowledged")
            }
        }
        return problems
    }

    /// The shared keys: the final value is at most one put's token followed by appends'
    /// tokens, each written to that key and present once; that put may be last (no
    /// acknowledged put began after it returned); every other acknowledged put was
    /// overwritten by a put that could follow it; every acknowledged append that began after
    /// the final put returned is present, and none that returned before the final put began is.
    static func checkSharedKeys(_ operations: [Operation], _ finalValues: [String: String], keys: [String])
        -> [String]
    {
        let writes = writes(operations)
        var problems: [String] = []
        for key in keys {
            let found = tokens(finalValues[key] ?? "")
            var seen = Set<String>()
            for (position, token) in found.enumerated() {
                guard let write = writes[token], write.key == key else {
                    problems.append("\(key) holds \(token.debugDescription), which no write to \(key) wrote")
                    continue
                }
                if !seen.insert(token).inserted { problems.append("\(key) holds \(token.debugDescription) twice") }
                if write.isPut && position != 0 {
                    problems.append("\(key): put token \(token.debugDescription) is not first")
                }
            }
            let onKey = writes.filter { $0.value.key == key }
            let acknowledgedPuts = onKey.filter { $0.value.isPut && $0.value.returned != nil }
            let acknowledgedAppends = onKey.filter { !$0.value.isPut && $0.value.returned != nil }
            let finalPut = found.first.flatMap { token in
                writes[token].flatMap { $0.isPut && $0.key == key ? (token, $0) : nil }
            }
            if let (finalToken, put) = finalPut {
                for (token, other) in acknowledgedPuts where token != finalToken {
                    if let returned = put.returned, other.call > returned {
                        problems.append(
                            "\(key): final put \(finalToken) returned before acknowledged put \(token) began, "
                                + "yet \(token) is gone"
                        )
                    }
                    let overwritable = onKey.contains { candidate, write in
                        candidate != token && write.isPut && (write.returned ?? .max) > other.call
                    }
                    if !overwritable {
                        problems.append(
                            "\(key): acknowledged put \(token) is neither final nor overwritten by a later put")
                    }
                }
                for (token, append) in acknowledgedAppends
                where append.call > (put.returned ?? .max) && !seen.contains(token) {
                    problems.append(
                        "\(key): acknowledged append \(token) began after the final put \(finalToken) returned "
                            + "but is missing"
                    )
                }
                for token in found.dropFirst() {
                    if let append = writes[token], let returned = append.returned, returned < put.call {
                        problems.append(
                            "\(key): append \(token) returned before the final put \(finalToken) began, yet survives it"
                        )
                    }
                }
            } else {
                if let (token, _) = acknowledgedPuts.first {
                    problems.append(
                        "\(key): no put survives though put \(token) (and \(acknowledgedPuts.count - 1) others) "
                            + "were acknowledged"
                    )
                }
                for (token, _) in acknowledgedAppends where !seen.contains(token) {
                    problems.append("\(key): acknowledged append \(token) is missing")
                }
            }
        }
        return problems
    }

    /// Lines of the daemons' logs that show a crash (a trap) or a refusal to start.
    /// - Parameter label: prefixed to each line (which cluster `root` holds).
    static func logProblems(root: String, label: String = "") -> [String] {
        (1...3).flatMap { node in
            let log = (try? String(contentsOfFile: "\(root)/node\(node).log", encoding: .utf8)) ?? ""
            let bad = log.split(separator: "\n").filter { $0.contains("Fatal error") || $0.hasPrefix("skv: ") }
            return bad.prefix(5).map { "\(label)node\(node).log: \($0)" }
        }
    }

    /// After a run: on a failure (`keep`) writes the history to `root/history.txt` and says
    /// that `root` stays; else removes `root`.
    static func keepOrRemove(
        _ root: String, history: StressHistory, keep: Bool, label: String,
        contents: String = "node logs, history.txt"
    ) {
        if keep {
            try? render(history.all).write(toFile: root + "/history.txt", atomically: true, encoding: .utf8)
            print("\(label): kept \(root) (\(contents))")
        } else {
            try? FileManager.default.removeItem(atPath: root)
        }
    }

    static func render(_ operations: [Operation]) -> String {
        operations.sorted { $0.call < $1.call }.map { op in
            "client \(op.clientID) [\(op.call), \(op.return.map(String.init) ?? "pending")] "
                + KVModel().describe(op.input, op.output)
        }.joined(separator: "\n") + "\n"
    }

    /// The linearizability of `operations` (`KVModel`): "yes", "no" (with the failure as a
    /// problem) or "unknown" (the checker timed out: no verdict, not a failure).
    static func linearizability(_ operations: [Operation], timeout: Duration) -> (verdict: String, problems: [String]) {
        switch LinearizabilityChecker.check(KVModel(), operations, timeout: timeout) {
        case .ok:
            return ("yes", [])
        case .unknown:
            print("info: linearizability check timed out after \(timeout) on \(operations.count) operations")
            return ("unknown", [])
        case .illegal(let failure):
            let lines = failure.renderedOperations
            let shown = lines.count > 60 ? Array(lines.prefix(30)) + ["..."] + Array(lines.suffix(30)) : lines
            return (
                "no",
                [
                    "history is not linearizable: partition \(failure.partition), \(failure.operations.count) "
                        + "operations, at most \(failure.longestLinearizedPrefix) linearized:\n  "
                        + shown.joined(separator: "\n  ")
                ]
            )
        }
    }
}
