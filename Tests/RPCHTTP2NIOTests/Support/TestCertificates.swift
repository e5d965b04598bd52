import Foundation
import RPCHTTP2NIO
import RPCTestSupport
import Synchronization

/// The certificates of `Scripts/make-test-certs.sh`, made once per test process in a temporary
/// directory (no key is committed): a test CA, a member certificate (CN=skv-member, SANs
/// 127.0.0.1, ::1, localhost), a client certificate (CN=skv-client) and a certificate with the
/// member's names from an unrelated CA.
enum TestCertificates {
    private static let made = Mutex<String?>(nil)

    /// The directory holding the PEM files (made on first use).
    static func directory() throws -> String {
        try made.withLock { made in
            if let made { return made }
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("skv-test-certs-\(getpid())").path
            try TestCertificateScript.run(into: directory)
            made = directory
            return directory
        }
    }

    static func path(_ name: String) throws -> String { "\(try directory())/\(name)" }

    /// TLS with the certificate `name` (`member`, `client`, `rogue`, or `nil` for none),
    /// trusting `trust` (`ca` or `rogue-ca`).
    static func tls(
        _ name: String?, trust: String = "ca", clientCertificates: TransportTLS.ClientCertificates = .optional
    ) throws -> TransportTLS {
        try TransportTLS(
            certificateChain: try name.map { .file(try path("\($0).pem")) },
            privateKey: try name.map { .file(try path("\($0)-key.pem")) },
            trustRoots: .file(try path("\(trust).pem")),
            clientCertificates: clientCertificates)
    }
}
