/// Assigns intermediate keys to reduce tasks: the lab's `ihash(key) % nReduce`.
public enum KeyPartitioner {
    /// The reduce task (bucket) of `key`: `(FNV-1a-32(key) & 0x7fffffff) % reduceCount`.
    public static func reduceTask(forKey key: String, reduceCount: Int) -> Int {
        precondition(reduceCount > 0, "reduceCount must be positive, got \(reduceCount)")
        return Int(FNV1a.hash32(key) & 0x7fff_ffff) % reduceCount
    }
}
