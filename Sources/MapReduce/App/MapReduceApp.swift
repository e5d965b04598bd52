/// A MapReduce application: the two functions a job runs (the lab's plug-in).
///
/// ## Contract
/// * ``map(filename:contents:)`` is called once per map-task execution with the input file's
///   path exactly as given to the coordinator and its whole contents (decoded as UTF-8, invalid
///   sequences replaced by U+FFFD). It returns the pairs in any order; duplicates are kept.
/// * ``reduce(key:values:)`` is called once per distinct key of a reduce bucket, in ascending
///   UTF-8 byte order of keys, with every value emitted for that key by every map task (in no
///   particular order: sort them if the result depends on order). Its result becomes the line
///   `"<key> <result>"` of `mr-out-<bucket>`; it should not contain a newline.
/// * Both run on a worker thread dedicated to task execution (not the Swift concurrency pool),
///   one call at a time per worker process, so they may block (sleep, file I/O). They may be
///   executed more than once for the same input if a worker crashes or is slow (> 10 s), so
///   they should be deterministic for the job's output to be well-defined.
/// * Keys are bucketed by ``KeyPartitioner``: FNV-1a 32-bit of the key's UTF-8 bytes.
///
/// ## Writing a new application
/// Conform a `Sendable` type to this protocol in your own module, then either build it as a
/// dynamic library exporting the ``PluginApp`` ABI (through ``PluginExports``) and pass the
/// library's path to `mrworker`/`mrsequential` as the application, or register it under a
/// name in an ``AppRegistry`` and start a ``Worker`` with that registry. The framework needs
/// no change either way (see `docs/mapreduce.md`).
public protocol MapReduceApp: Sendable {
    /// Turns one input file into intermediate pairs.
    func map(filename: String, contents: String) -> [KeyValue]

    /// Folds every value of one key into the output value for that key.
    func reduce(key: String, values: [String]) -> String
}
