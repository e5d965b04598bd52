import MapReduce
import MapReduceApps
import Testing

/// The lab's applications on small inputs: word splitting by Unicode letters (as Go's
/// unicode.IsLetter over runes), each app's map and reduce, and the registry.
@Suite struct ApplicationTests {
    @Test func wordsAreMaximalRunsOfUnicodeLetters() {
        #expect(WordSplitter.words(in: "Hello, world! it's 42nd") == ["Hello", "world", "it", "s", "nd"])
        #expect(WordSplitter.words(in: "naïve café Ελλάδα 日本語") == ["naïve", "café", "Ελλάδα", "日本語"])
        #expect(WordSplitter.words(in: "snake_case—em-dash") == ["snake", "case", "em", "dash"])
        #expect(WordSplitter.words(in: "") == [])
        #expect(WordSplitter.words(in: "  ...  ") == [])
        // Combining marks (Mn) are not letters: decomposed "é" splits after the "e", as in Go.
        #expect(WordSplitter.words(in: "cafe\u{301}s") == ["cafe", "s"])
        // Modifier letters (Lm) and titlecase letters (Lt) are letters.
        #expect(WordSplitter.words(in: "aʰb ǅx") == ["aʰb", "ǅx"])
    }

    @Test func wordCount() {
        let app = WordCount()
        #expect(app.map(filename: "f", contents: "a b a") == [KeyValue("a", "1"), KeyValue("b", "1"), KeyValue("a", "1")])
        #expect(app.reduce(key: "a", values: ["1", "1", "1"]) == "3")
    }

    @Test func indexerEmitsEachDistinctWordOnceAndSortsDocuments() {
        let app = Indexer()
        let pairs = app.map(filename: "../pg-x.txt", contents: "the cat the hat The")
        #expect(Set(pairs) == [KeyValue("the", "../pg-x.txt"), KeyValue("cat", "../pg-x.txt"),
                               KeyValue("hat", "../pg-x.txt"), KeyValue("The", "../pg-x.txt")])
        #expect(pairs.count == 4)
        #expect(app.reduce(key: "cat", values: ["b.txt", "a.txt", "c.txt"]) == "3 a.txt,b.txt,c.txt")
    }

    @Test func noCrashReportsLengthsInBytes() {
        let app = Crash(crashes: false)
        #expect(app.map(filename: "../pg-é.txt", contents: "héllo") == [
            KeyValue("a", "../pg-é.txt"), KeyValue("b", "12"), KeyValue("c", "6"), KeyValue("d", "xyzzy"),
        ])
        #expect(app.reduce(key: "b", values: ["9", "10", "1"]) == "1 10 9")
    }

    @Test func earlyExitCountsDocuments() {
        let app = EarlyExit()
        #expect(app.map(filename: "../pg-grimm.txt", contents: "whatever") == [KeyValue("../pg-grimm.txt", "1")])
        #expect(app.reduce(key: "../pg-grimm.txt", values: ["1"]) == "1")
    }

    @Test func reduceTimingMapsTenLetters() {
        #expect(ReduceTiming().map(filename: "f", contents: "").map(\.key) == ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"])
    }

    @Test func registryKnowsTheLabAppsAndRejectsOthers() throws {
        let registry = BuiltinApps.registry
        #expect(registry.names == ["crash", "early_exit", "indexer", "jobcount", "mtiming", "nocrash", "rtiming", "wc"])
        #expect(throws: MapReduceError.self) { try registry.makeApp(named: "nope") }
        var extended = registry
        extended.register("upper") { UpperCase() }
        #expect(try extended.makeApp(named: "upper").reduce(key: "k", values: ["x"]) == "X")
    }

    @Test func keysGroupByBytesNotCanonicalEquivalence() {
        // "é" precomposed and decomposed are == in Swift but distinct keys in Go.
        let output = ReducePass.run(
            [KeyValue("e\u{301}", "1"), KeyValue("\u{e9}", "1"), KeyValue("\u{e9}", "1")], app: WordCount())
        #expect(String(decoding: output, as: UTF8.self) == "e\u{301} 1\n\u{e9} 2\n")
    }

    @Test func intermediateCodecRoundTripsEscapes() throws {
        let pairs = [KeyValue("a\tb", "c\nd"), KeyValue("back\\slash", ""), KeyValue("", "x"), KeyValue("日本", "1")]
        #expect(try IntermediateFileCodec.decode(IntermediateFileCodec.encode(pairs)) == pairs)
        #expect(throws: MapReduceError.self) { try IntermediateFileCodec.decode(Array("a\tb".utf8)) }
        #expect(throws: MapReduceError.self) { try IntermediateFileCodec.decode(Array("no tab\n".utf8)) }
    }

    @Test func endpointParsing() throws {
        #expect(try Endpoint(parsing: "127.0.0.1:7000") == Endpoint(host: "127.0.0.1", port: 7000))
        #expect(try Endpoint(parsing: "[::1]:80") == Endpoint(host: "::1", port: 80))
        #expect(try Endpoint(parsing: "h:0", allowPortZero: true).port == 0)
        #expect(throws: MapReduceError.self) { try Endpoint(parsing: "h:0") }
        #expect(throws: MapReduceError.self) { try Endpoint(parsing: "nohost") }
        #expect(throws: MapReduceError.self) { try Endpoint(parsing: ":80") }
    }
}

/// An application defined outside the framework, as a user would.
private struct UpperCase: MapReduceApp {
    func map(filename: String, contents: String) -> [KeyValue] { [] }
    func reduce(key: String, values: [String]) -> String { values.joined().uppercased() }
}
