import Foundation

/// Runs `Scripts/make-test-certs.sh` (test CA, member, client and rogue certificates; see the
/// script) for the TLS tests, so that no key is committed.
public enum TestCertificateScript {
    /// Writes the certificates into `directory`.
    /// - Throws: if the script cannot start or fails.
    public static func run(into directory: String) throws {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        let process = Process()
        process.executableURL = root.appendingPathComponent("Scripts/make-test-certs.sh")
        process.arguments = [directory]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CertificateScriptFailed(status: process.terminationStatus)
        }
    }
}

/// `Scripts/make-test-certs.sh` exited with a failure status.
public struct CertificateScriptFailed: Error, CustomStringConvertible {
    public var status: Int32
    public var description: String { "Scripts/make-test-certs.sh exited with status \(status)" }
}
