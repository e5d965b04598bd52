/// The synchronous body of map and reduce tasks: file I/O plus calls into the application.
/// Blocking; ``Worker`` runs it on its dedicated task thread.
public enum TaskRunner {
    /// The intermediate file of map task `mapTask` for reduce task `reduceTask`.
    public static func intermediateFileName(mapTask: Int, reduceTask: Int) -> String {
        "mr-\(mapTask)-\(reduceTask)"
    }

    /// The final output file of reduce task `reduceTask`.
    public static func outputFileName(reduceTask: Int) -> String {
        "mr-out-\(reduceTask)"
    }

    /// Map task `taskNumber`: maps `inputFile`, partitions the pairs into `reduceCount`
    /// buckets by ``KeyPartitioner``, and writes every bucket (empty ones too, so reduce tasks
    /// can tell "no pairs" from "missing") to `directory/mr-<taskNumber>-<Y>`, each atomically.
    public static func runMap(
        app: some MapReduceApp, taskNumber: Int, inputFile: String, reduceCount: Int, directory: String
    ) throws(MapReduceError) {
        let contents = try LocalFiles.readString(inputFile)
        var buckets = Array(repeating: [KeyValue](), count: reduceCount)
        for pair in app.map(filename: inputFile, contents: contents) {
            buckets[KeyPartitioner.reduceTask(forKey: pair.key, reduceCount: reduceCount)].append(pair)
        }
        for (reduceTask, bucket) in buckets.enumerated() {
            let name = intermediateFileName(mapTask: taskNumber, reduceTask: reduceTask)
            try LocalFiles.writeAtomically(IntermediateFileCodec.encode(bucket), to: LocalFiles.join(directory, name))
        }
    }

    /// Reduce task `taskNumber`: reads `directory/mr-<X>-<taskNumber>` for every map task X,
    /// reduces them with ``ReducePass``, and writes `directory/mr-out-<taskNumber>` atomically.
    public static func runReduce(
        app: some MapReduceApp, taskNumber: Int, mapCount: Int, directory: String
    ) throws(MapReduceError) {
        var pairs: [KeyValue] = []
        for mapTask in 0..<mapCount {
            let name = intermediateFileName(mapTask: mapTask, reduceTask: taskNumber)
            pairs.append(contentsOf: try IntermediateFileCodec.decode(LocalFiles.readBytes(LocalFiles.join(directory, name))))
        }
        let output = ReducePass.run(pairs, app: app)
        try LocalFiles.writeAtomically(output, to: LocalFiles.join(directory, outputFileName(reduceTask: taskNumber)))
    }
}
