import ArgumentParser

/// `--metrics-listen HOST:PORT`, taken by every daemon (`skv kv serve`, `skv ctrler serve`,
/// `skv shard serve`): where to serve Prometheus metrics (`/metrics`), the status page (`/`)
/// and its data (`/status.json`) over plain HTTP/1.1, apart from the RPC listener.
struct MetricsOptions: ParsableArguments {
    @Option(
        name: .customLong("metrics-listen"),
        help: """
            Serve Prometheus metrics (/metrics) and the status page (/) over HTTP on HOST:PORT (port 0: any free \
            port, logged; off unless given).
            """)
    var metricsListen: String?

    /// The metrics address, if one was given.
    /// - Throws: ``SKVError`` for a malformed address.
    func validated() throws(SKVError) -> Address? {
        guard let metricsListen else { return nil }
        do {
            return try Address(parsing: metricsListen, allowsAnyPort: true)
        } catch {
            throw SKVError("--metrics-listen: \(error.message)")
        }
    }
}
