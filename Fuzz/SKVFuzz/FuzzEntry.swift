#if canImport(Glibc)
import Glibc
#endif

/// The libFuzzer entry point: runs one input through the target named by the environment
/// variable `SKV_FUZZ_TARGET` (see ``FuzzTarget``). Built with `Scripts/fuzz.sh`
/// (`-sanitize=fuzzer`, which links libFuzzer's own `main`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    FuzzTarget.selected.run(bytes)
    return 0
}

extension FuzzTarget {
    /// The target this process fuzzes, read once from `SKV_FUZZ_TARGET`. An unknown name is a
    /// usage error of the fuzz script: it stops the process with the list of targets.
    static let selected: FuzzTarget = {
        let name = getenv("SKV_FUZZ_TARGET").map { String(cString: $0) } ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: " ")
            fatalError("SKV_FUZZ_TARGET='\(name)' names no fuzz target; targets: \(names)")
        }
        return target
    }()
}

#if !SKV_FUZZING
/// Without libFuzzer (a plain `swift build`), the same executable writes the seed corpora
/// and replays inputs through a target, so a crash file can be reproduced without the
/// fuzzing toolchain flags:
///
/// ```
/// SKVFuzz seeds <directory>              # one sub-directory of seeds per target
/// SKVFuzz replay <target> <file>...      # runs each file through the target
/// SKVFuzz list                           # target names
/// ```
@main
struct FuzzCommand {
    static func main() {
        do {
            try run(Array(CommandLine.arguments.dropFirst()))
        } catch {
            print("SKVFuzz: \(error)")
            exit(2)
        }
    }

    static func run(_ arguments: [String]) throws {
        switch arguments.first {
        case "list":
            for target in FuzzTarget.allCases { print(target.rawValue) }
        case "seeds" where arguments.count == 2:
            try SeedCorpus.write(to: arguments[1])
        case "replay" where arguments.count >= 3:
            guard let target = FuzzTarget(rawValue: arguments[1]) else {
                throw FuzzUsageError(message: "unknown target \(arguments[1])")
            }
            for path in arguments.dropFirst(2) {
                target.run(try SeedCorpus.readFile(path))
                print("\(target.rawValue): \(path): ok")
            }
        default:
            throw FuzzUsageError(message: "usage: SKVFuzz list | seeds <dir> | replay <target> <file>...")
        }
    }
}
#endif

/// A wrong command line of the replay tool.
struct FuzzUsageError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
