import ArgumentParser

/// The workload options `skv kv bench` and `skv shard bench` share (each has its own `--keys`,
/// whose default suits its key space).
struct BenchOptions: ParsableArguments {
    @Option(help: "Workload length in seconds.")
    var duration: Int = 30

    @Option(help: "Concurrent clients.")
    var clients: Int = 4
}
