import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The `LD_PRELOAD` library of `Tests/Fixtures/faultshim/skv_fault_shim.c`, which makes write
/// and sync calls on files under one directory fail with `EIO` or `ENOSPC` once a trigger file
/// exists: a failing disk under a real `skv` daemon without dm-error or root. Compiled once per
/// test run with the system's C compiler (`cc -shared -fPIC`); tests that need it are skipped
/// with ``unavailableReason`` when that fails.
enum FaultShim {
    /// Which calls fail: `write` (write, pwrite, writev, …) or `fsync` (fsync, fdatasync).
    enum Calls: String, Sendable {
        case write
        case fsync
    }

    /// The errno a failing call returns.
    enum Errno: String, Sendable {
        case eio = "EIO"
        case enospc = "ENOSPC"

        /// `strerror` of it, as the daemon's messages quote it.
        var message: String {
            switch self {
            case .eio: "Input/output error"
            case .enospc: "No space left on device"
            }
        }
    }

    static var isAvailable: Bool { built.path != nil }
    static var unavailableReason: String { built.reason }

    /// The compiled library's path.
    static var path: String { built.path ?? "" }

    /// The environment that makes a daemon's `calls` on files at or under `directory` (an
    /// absolute path without symbolic links) fail with `errno` while `trigger` exists.
    static func environment(directory: String, calls: Calls, errno: Errno, trigger: String) -> [String: String] {
        [
            "LD_PRELOAD": path, "SKV_FAULT_PATH": directory, "SKV_FAULT_CALLS": calls.rawValue,
            "SKV_FAULT_ERRNO": errno.rawValue, "SKV_FAULT_TRIGGER": trigger,
        ]
    }

    private static let built: (path: String?, reason: String) = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<2 { url.deleteLastPathComponent() }
        let source = url.appendingPathComponent("Fixtures/faultshim/skv_fault_shim.c").path
        let output = NSTemporaryDirectory() + "skv-fault-shim-\(getpid()).so"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["cc", "-shared", "-fPIC", "-O2", "-o", output, source, "-ldl"]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        do { try process.run() } catch { return (nil, "cannot run cc: \(error)") }
        let message = errors.readToEndAndClose()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            return (nil, "cc -shared -fPIC \(source) exited \(process.terminationStatus): \(message.prefix(300))")
        }
        return (output, "")
    }()
}

/// `path` with symbolic links resolved (what `/proc/self/fd` shows), or `path` if it cannot be.
func resolvedPath(_ path: String) -> String {
    guard let resolved = realpath(path, nil) else { return path }
    defer { free(resolved) }
    return String(cString: resolved)
}
