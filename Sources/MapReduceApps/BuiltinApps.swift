public import MapReduce

/// The lab's applications, by the names `mrworker` and `mrsequential` accept.
public enum BuiltinApps {
    /// `wc`, `indexer`, `mtiming`, `rtiming`, `jobcount`, `early_exit`, `crash`, `nocrash`.
    public static var registry: AppRegistry {
        var registry = AppRegistry()
        register(into: &registry)
        return registry
    }

    /// Adds the built-in applications to `registry` (so a user's registry can include them).
    public static func register(into registry: inout AppRegistry) {
        registry.register("wc") { WordCount() }
        registry.register("indexer") { Indexer() }
        registry.register("mtiming") { MapTiming() }
        registry.register("rtiming") { ReduceTiming() }
        registry.register("jobcount") { JobCount() }
        registry.register("early_exit") { EarlyExit() }
        registry.register("crash") { Crash(crashes: true) }
        registry.register("nocrash") { Crash(crashes: false) }
    }
}
