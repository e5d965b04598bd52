/// A scrape in the Prometheus text format, parsed strictly enough to check the conventions:
/// every sample line is `NAME{LABELS} VALUE` or `NAME VALUE`, and every family has a `# TYPE`.
struct PrometheusText {
    /// `# TYPE` by family name.
    var types: [String: String] = [:]
    /// Sample values by the sample's name with its labels as written (`name{a="b"}`).
    var samples: [String: Double] = [:]
    /// Lines that are neither comments nor well-formed samples.
    var malformed: [String] = []

    init(_ text: String) {
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                if parts.count == 4 { types[String(parts[2])] = String(parts[3]) } else { malformed.append(String(line)) }
                continue
            }
            if line.hasPrefix("#") { continue }
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                malformed.append(String(line))
                continue
            }
            let series = String(line[..<space])
            let name = series.prefix { $0 != "{" }
            guard let first = name.first, first.isLetter || first == "_",
                name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") })
            else {
                malformed.append(String(line))
                continue
            }
            samples[series] = value
        }
    }

    /// The value of `series` (0 if absent: a counter not yet incremented reads 0 too).
    subscript(_ series: String) -> Double { samples[series] ?? 0 }

    /// The sum over every series of family `name` whose labels contain `matching` (e.g.
    /// `method="skv.kv.KV/Put"`).
    func sum(_ name: String, matching: String = "") -> Double {
        samples.filter { series, _ in
            (series == name || series.hasPrefix(name + "{")) && (matching.isEmpty || series.contains(matching))
        }.values.reduce(0, +)
    }
}
