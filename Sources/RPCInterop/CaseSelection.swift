import ArgumentParser
import Interop

/// The `--test-case` option: one case name (as in grpc's interop descriptions) or `all`.
struct CaseSelection: ParsableArguments {
    @Option(name: .customLong("test-case"), help: "An interop case name, or 'all'.")
    var testCase: String = "all"

    func validate() throws {
        guard testCase == "all" || InteropCase(rawValue: testCase) != nil else {
            let names = InteropCase.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("Unknown test case '\(testCase)'. Known cases: all, \(names).")
        }
    }

    /// The selected cases, in the order of ``InteropCase/allCases`` (valid after `validate()`).
    var cases: [InteropCase] {
        InteropCase(rawValue: testCase).map { [$0] } ?? InteropCase.allCases
    }
}
