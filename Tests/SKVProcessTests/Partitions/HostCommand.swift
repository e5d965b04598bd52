import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The host tools the partition harness runs (`ip`, `nft`), each to completion with a bounded wait.
enum HostCommand {
    /// `ip` (iproute2).
    static let ip = firstExecutable(["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]) ?? "/usr/sbin/ip"
    /// `nft` (nftables).
    static let nft = firstExecutable(["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"]) ?? "/usr/sbin/nft"
    static let tc = firstExecutable(["/usr/sbin/tc", "/sbin/tc", "/usr/bin/tc"]) ?? "/usr/sbin/tc"
    /// How long one `ip` or `nft` command may take.
    static let limit: Duration = .seconds(10)

    static func firstExecutable(_ paths: [String]) -> String? {
        paths.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `executable arguments` (with `input` on its standard input), killing it after ``limit``.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], input: String? = nil) throws
        -> (status: Int32, output: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try? stdin.fileHandleForWriting.close()
        let deadline = ContinuousClock.now + limit
        while process.isRunning {
            if ContinuousClock.now > deadline {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw SKVProcessError(
                    description: "\(executable) \(arguments.joined(separator: " ")) hung for \(limit)")
            }
            usleep(2_000)
        }
        // The tools' output is a few lines: it fits the pipe's buffer, so reading after the exit cannot block.
        return (process.terminationStatus, output.readToEndAndClose())
    }

    /// ``run(_:_:input:)`` that throws with the command's output unless it exits 0.
    @discardableResult
    static func check(_ executable: String, _ arguments: [String], input: String? = nil) throws -> String {
        let (status, output) = try run(executable, arguments, input: input)
        guard status == 0 else {
            throw SKVProcessError(
                description: "\(executable) \(arguments.joined(separator: " ")) exited \(status): \(output)")
        }
        return output
    }
}
