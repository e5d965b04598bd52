import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Why a process-level helper gave up.
struct SKVProcessError: Error, CustomStringConvertible {
    var description: String
}

/// The built `skv` binary and helpers to run it with bounded waits.
enum SKVBinary {
    /// `.build/debug/skv` of this package (build it with `swift build --product skv`).
    static var path: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent(".build/debug/skv").path
    }

    static var exists: Bool { FileManager.default.isExecutableFile(atPath: path) }

    /// Runs `skv arguments` to completion, killing it after `limit`.
    static func run(_ arguments: [String], within limit: Duration = .seconds(30)) async throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let deadline = ContinuousClock.now + limit
        while process.isRunning {
            if ContinuousClock.now > deadline {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw SKVProcessError(description: "skv \(arguments.joined(separator: " ")) did not finish within \(limit)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return (process.terminationStatus, out.readToEndAndClose(), err.readToEndAndClose())
    }
}

/// Ports ``freeLoopbackPort()`` has handed out in this test process.
private let handedOutPorts = Mutex<Set<Int>>([])

/// A free TCP port on 127.0.0.1 (bound to port 0, then released) that this test process has not
/// handed out before. A port is handed out once: the kernel would give a port back as soon as
/// a test stops the daemon on it, and a suite running beside it could then start a daemon of
/// its own there, which the first test's CLI would reach when it restarts its daemon (a CI run
/// saw a snapshot test's group hold a 13th key and 2 extra sessions, another test's writes).
func freeLoopbackPort() throws -> Int {
    for _ in 0..<1_000 {
        let port = try kernelChosenLoopbackPort()
        if handedOutPorts.withLock({ $0.insert(port).inserted }) { return port }
    }
    throw SKVProcessError(description: "no loopback port left that this process has not handed out")
}

/// A free TCP port on 127.0.0.1, as the kernel picks it for a bind to port 0.
private func kernelChosenLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw SKVProcessError(description: "socket failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    guard bound else { throw SKVProcessError(description: "bind failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A fresh directory under the system's temporary directory (`skv-process-<uuid>`).
func makeTemporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "skv-process-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Which `skv` daemons a ``SKVProcessCluster`` runs, and how its CLI reaches them.
struct SKVDaemon: Sendable {
    /// The command group: `kv` (`skv kv serve`, `skv kv get ...`), `ctrler` or `shard`.
    var command: String
    /// The CLI option listing the servers.
    var endpointsOption: String
    /// Options added to every `serve` command line.
    var serveOptions: [String]
    /// What the CLI lists after ``endpointsOption``; `nil`: the cluster's own servers.
    var clientEndpoints: String? = nil
    /// Options added to every CLI command line (e.g. `--tls-ca`).
    var clientOptions: [String] = []

    /// `skv kv serve`, snapshotting at 4 KiB so restarts restore from snapshots.
    static let kv = SKVDaemon(command: "kv", endpointsOption: "--endpoints", serveOptions: ["--max-raft-state", "4096"])
    /// `skv ctrler serve`, snapshotting at 256 bytes (every few configurations).
    static let ctrler = SKVDaemon(
        command: "ctrler", endpointsOption: "--ctrlers", serveOptions: ["--max-raft-state", "256"])

    /// `skv shard serve --gid GID --ctrlers CTRLERS`, snapshotting at 4 KiB; its CLI (`skv shard
    /// get ...`) goes through the controllers.
    static func shard(gid: UInt64, ctrlers: String) -> SKVDaemon {
        SKVDaemon(
            command: "shard", endpointsOption: "--ctrlers",
            serveOptions: ["--gid", "\(gid)", "--ctrlers", ctrlers, "--max-raft-state", "4096"],
            clientEndpoints: ctrlers)
    }
}

/// Three `skv kv serve` (or `skv ctrler serve`) daemons on loopback ports (or on given hosts, each
/// in its own network namespace) with data directories under `root`.
final class SKVProcessCluster {
    let root: String
    /// The daemons' command; changing it affects the daemons started afterwards.
    var daemon: SKVDaemon
    /// The address each daemon listens on (`127.0.0.1` unless made with `hosts:`).
    let hosts: [String]
    let ports: [Int]
    /// Each daemon's `--metrics-listen` port (empty unless made with `metrics: true`).
    let metricsPorts: [Int]
    /// The network namespace each daemon runs in (`ip netns exec`); `nil`: this process's own.
    let namespaces: [String]?
    /// Extra environment variables of daemon `i` (merged into this process's environment), for
    /// the daemons started afterwards (e.g. `LD_PRELOAD` of a fault-injecting library).
    var environment: [Int: [String: String]] = [:]
    private var processes: [Process?]

    /// - Parameters:
    ///   - avoiding: ports of other clusters in the same test.
    ///   - metrics: whether the daemons serve `--metrics-listen` (on ``metricsPorts``).
    convenience init(root: String, daemon: SKVDaemon = .kv, avoiding: [Int] = [], metrics: Bool = false) throws {
        var ports: [Int] = []
        while ports.count < (metrics ? 6 : 3) {
            let port = try freeLoopbackPort()
            if !ports.contains(port) && !avoiding.contains(port) { ports.append(port) }
        }
        self.init(
            root: root, daemon: daemon, hosts: Array(repeating: "127.0.0.1", count: 3), ports: Array(ports.prefix(3)),
            metricsPorts: Array(ports.dropFirst(3)), namespaces: nil)
    }

    /// Daemon `i` listens on `hosts[i]:ports[i]` inside `namespaces[i]` (if given).
    init(root: String, daemon: SKVDaemon, hosts: [String], ports: [Int], metricsPorts: [Int], namespaces: [String]?) {
        precondition(hosts.count == 3 && ports.count == 3 && (namespaces?.count ?? 3) == 3, "three daemons")
        self.root = root
        self.daemon = daemon
        self.hosts = hosts
        self.ports = ports
        self.metricsPorts = metricsPorts
        self.namespaces = namespaces
        processes = [nil, nil, nil]
    }

    /// `HOST:PORT` of each daemon.
    var addresses: [String] { (0..<3).map { "\(hosts[$0]):\(ports[$0])" } }
    var endpoints: String { addresses.joined(separator: ",") }
    var peerOptions: [String] { (0..<3).flatMap { ["--peer", "\($0 + 1)=\(addresses[$0])"] } }
    func dataDirectory(_ i: Int) -> String { "\(root)/node\(i + 1)" }

    func serveArguments(_ i: Int, peers: [String]? = nil) -> [String] {
        [daemon.command, "serve", "--id", "\(i + 1)", "--listen", addresses[i]] + (peers ?? peerOptions)
            + ["--data-dir", dataDirectory(i)] + daemon.serveOptions
            + (metricsPorts.isEmpty ? [] : ["--metrics-listen", "\(hosts[i]):\(metricsPorts[i])"])
            // Plaintext on a non-loopback address: the namespaces' bridge is private to the test.
            + (namespaces == nil ? [] : ["--insecure"])
    }

    /// Starts daemon `i` (0-based), logging to `root/nodeN.log`.
    func start(_ i: Int) throws {
        let process = Process()
        if let namespace = namespaces?[i] {
            process.executableURL = URL(fileURLWithPath: HostCommand.ip)
            process.arguments = ["netns", "exec", namespace, SKVBinary.path] + serveArguments(i)
        } else {
            process.executableURL = URL(fileURLWithPath: SKVBinary.path)
            process.arguments = serveArguments(i)
        }
        if let extra = environment[i] {
            process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        }
        try process.run(loggingTo: "\(root)/node\(i + 1).log")
        processes[i] = process
    }

    func startAll() throws { for i in 0..<3 { try start(i) } }

    /// Sends `signal` to daemon `i` and waits (bounded) for it to exit; returns its status.
    @discardableResult
    func stop(_ i: Int, signal: Int32 = SIGTERM, within limit: Duration = .seconds(15)) async throws -> Int32 {
        guard let process = processes[i] else { return 0 }
        let status = try await process.stop(name: "node \(i + 1)", signal: signal, within: limit)
        processes[i] = nil
        return status
    }

    /// The process id of daemon `i` while it runs (`ip netns exec` execs the daemon in place).
    func processIdentifier(_ i: Int) -> Int32? {
        guard let process = processes[i], process.isRunning else { return nil }
        return process.processIdentifier
    }

    /// Sends `signal` (e.g. `SIGSTOP`, `SIGCONT`) to daemon `i` if it runs; leaves it registered.
    func send(_ signal: Int32, to i: Int) {
        if let pid = processIdentifier(i) { kill(pid, signal) }
    }

    /// Whether daemon `i` was started (and not stopped through ``stop(_:signal:within:)``) and
    /// is still running.
    func isRunning(_ i: Int) -> Bool { processes[i]?.isRunning ?? false }

    /// Exit status of daemon `i` if it was started and has exited on its own.
    func exitStatus(_ i: Int) -> Int32? {
        guard let process = processes[i], !process.isRunning else { return nil }
        return process.terminationStatus
    }

    /// The last `lines` lines of `root/nodeN.log` (for failure messages).
    func logTail(_ i: Int, lines: Int = 15) -> String {
        let text = (try? String(contentsOfFile: "\(root)/node\(i + 1).log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// SIGKILLs whatever still runs (cleanup; never throws).
    func killAll() {
        for case let process? in processes where process.isRunning {
            kill(process.processIdentifier, SIGCONT)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        processes = [nil, nil, nil]
    }

    /// `skv kv ARGS --endpoints ...` (`skv ctrler ARGS --ctrlers ...`, `skv shard ARGS --ctrlers ...`).
    func cli(_ arguments: [String], timeout seconds: Int = 20) async throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        try await SKVBinary.run(
            [daemon.command] + arguments
                + [daemon.endpointsOption, daemon.clientEndpoints ?? endpoints, "--timeout", "\(seconds)"]
                + daemon.clientOptions,
            within: .seconds(seconds + 10))
    }

    /// The 0-based index of the KV node that reports itself leader, polling up to `limit`.
    func leader(within limit: Duration = .seconds(20)) async throws -> Int? {
        precondition(daemon.command == SKVDaemon.kv.command, "skv kv status reports the leader; see ctrlerLeader")
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            let result = try await cli(["status"], timeout: 2)
            for line in result.stdout.split(separator: "\n") where line.contains("role=leader") {
                if let i = addresses.firstIndex(where: { line.hasPrefix("\($0) ") }) { return i }
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        return nil
    }
}

extension Pipe {
    /// Reads the pipe's output to its end (the writer has exited or closed it) and closes the read end.
    ///
    /// Close every descriptor a test hands to a child once the child has it: Foundation's `Process`
    /// and `Pipe` objects outlive the run (the write end is closed at launch, the read end only when
    /// the `Pipe` is freed), so one process test run leaked ~1,100 pipes. That is not only a leak:
    /// `Process.run()` reads `/proc/self/fd` to find the highest descriptor, and in Swift 6.3.1's
    /// Foundation it copies each `dirent` whole (swift-corelibs-foundation #5472, fixed after 6.3.1),
    /// reading past glibc's directory buffer once the listing nearly fills it — at ~1,300 descriptors
    /// the test process died with SIGSEGV in `Process.run()`.
    func readToEndAndClose() -> String {
        let data = fileHandleForReading.readDataToEndOfFile()
        try? fileHandleForReading.close()
        return String(decoding: data, as: UTF8.self)
    }
}

extension Process {
    /// Runs the process with its standard output and error appended to `logPath` (created if
    /// missing).
    func run(loggingTo logPath: String) throws {
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        standardOutput = log
        standardError = log
        defer { try? log.close() }  // the child has its own copy; see Pipe.readToEndAndClose
        try run()
    }

    /// Sends `signal` (and SIGCONT: a paused daemon handles the signal only once resumed) and
    /// waits up to `limit` for the process to exit; returns its status. Past the limit it is
    /// killed and `name` is named in the error.
    func stop(name: String, signal: Int32, within limit: Duration) async throws -> Int32 {
        kill(processIdentifier, signal)
        kill(processIdentifier, SIGCONT)
        let deadline = ContinuousClock.now + limit
        while isRunning {
            if ContinuousClock.now > deadline {
                kill(processIdentifier, SIGKILL)
                waitUntilExit()
                throw SKVProcessError(description: "\(name) did not exit within \(limit) after signal \(signal)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return terminationStatus
    }
}
