/// Bounded waits for a restarted daemon, shared by the stress tests.
extension SKVProcessCluster {
    /// Waits (up to `limit`) until daemon `i` answers (`answers` returns `true`); throws with
    /// its log if it exits or never answers. `name` names it in the error.
    func waitUntilAnswering(
        _ i: Int, name: String, within limit: Duration, answers: () async -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if !isRunning(i) {
                throw SKVProcessError(
                    description: "\(name) exited with status \(exitStatus(i).map { "\($0)" } ?? "?") on start:\n"
                        + logTail(i))
            }
            if await answers() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw SKVProcessError(description: "\(name) does not answer within \(limit) of starting:\n" + logTail(i))
    }
}
