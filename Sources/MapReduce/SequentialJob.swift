/// The reference implementation (`mrsequential`): every map in this process, all pairs sorted
/// together, one reduce per key, one output file. Its output is what a distributed run's
/// `mr-out-*` files must match line for line (after sorting).
public enum SequentialJob {
    /// Maps every input file in order, reduces, and writes the result atomically to
    /// `outputPath`.
    /// - Throws: ``MapReduceError/Code/io`` if an input cannot be read or the output written.
    public static func run(app: some MapReduceApp, inputFiles: [String], outputPath: String) throws(MapReduceError) {
        var pairs: [KeyValue] = []
        for file in inputFiles {
            let contents = try LocalFiles.readString(file)
            pairs.append(contentsOf: app.map(filename: file, contents: contents))
        }
        try LocalFiles.writeAtomically(ReducePass.run(pairs, app: app), to: outputPath)
    }
}
