import Foundation
import Testing

extension SKVProcessCluster {
    /// Puts `k0 = v0` … through the CLI, each required to succeed; returns what was put.
    func putNumberedKeys(_ count: Int) async throws -> [String: String] {
        var written: [String: String] = [:]
        for k in 0..<count {
            let put = try await cli(["put", "k\(k)", "v\(k)"])
            try #require(put.status == 0, "put k\(k): \(put.stderr)")
            written["k\(k)"] = "v\(k)"
        }
        return written
    }

    /// Restarts KV node `i` (stopped by a fault that has since been removed) and checks that it
    /// recovers from its disk and catches up: a put goes through; with another node then
    /// stopped, a put needs node `i`, so it must be serving; every key of `expected` (what
    /// clients saw acknowledged, plus the two new puts) reads back with its value.
    func restartAndCheckRecovery(_ i: Int, expected: inout [String: String]) async throws {
        try start(i)
        let put = try await cli(["put", "restarted", "yes"])
        try #require(put.status == 0, "put after restarting node \(i + 1): \(put.stderr)")
        expected["restarted"] = "yes"
        let other = (i + 1) % 3
        #expect(try await stop(other) == 0)
        let needsRestarted = try await cli(["put", "two-nodes", "ok"], timeout: 30)
        #expect(needsRestarted.status == 0, "put with node \(other + 1) stopped: \(needsRestarted.stderr)")
        expected["two-nodes"] = "ok"
        for (key, value) in expected.sorted(by: { $0.key < $1.key }) {
            let get = try await cli(["get", key])
            #expect(get.status == 0 && get.stdout == value + "\n", "\(key): \(get.status) \(get.stderr)")
        }
        #expect(isRunning(i), "\(logTail(i))")
    }
}
