import ArgumentParser

/// The workload options `skv kv bench` and `skv shard bench` share (each has its own `--keys`,
/// whose default suits its key space).
struct BenchOptions: ParsableArguments {
    @Option(help: "Workload length in seconds.")
    var duration: Int = 30

    @Option(help: "Concurrent clients.")
    var clients: Int = 4

    @Option(help: "Operation mix: mixed (get 50 %, put 20 %, append 25 %, delete 5 %), put or get.")
    var workload: BenchWorkload = .mixed

    @Option(help: "Bytes of each written value (its unique prefix padded with dots; 0: the prefix alone).")
    var valueBytes: Int = 0
}
