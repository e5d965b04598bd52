import Interop
import RPCCore
#if canImport(Glibc)
import Glibc
#endif

/// Runs interop cases one after another and reports each on its own line: `PASS name` or
/// `FAIL name: reason`. Returns whether every case passed.
enum CaseRunner {
    static func run(_ cases: [InteropCase], with client: RPCClient) async -> Bool {
        let interop = InteropClient(client: client)
        var failures = 0
        for testCase in cases {
            do {
                try await interop.run(testCase)
                emit("PASS \(testCase)")
            } catch {
                failures += 1
                emit("FAIL \(testCase): \(error)")
            }
        }
        emit("\(cases.count - failures) of \(cases.count) interop cases passed")
        return failures == 0
    }
}

/// Prints a line and flushes, so that scripts reading a pipe see it at once.
/// (`fflush(nil)` flushes every stream without naming the shared `stdout` global, which Swift 6
/// rejects as unsafe shared mutable state.)
func emit(_ line: String) {
    print(line)
    fflush(nil)
}
