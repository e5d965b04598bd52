/// The `context` of a membership change proposed through ``RaftPeer``: the addresses of the
/// members it adds, so that every member (and a restart replaying the log) learns where they
/// are. Text, one `<id> <host:port>` per line; decoding refuses anything else.
public enum MemberAddresses {
    /// Longest address accepted, in bytes (a host name of 253 characters and a port).
    public static let maxAddressBytes = 260

    /// The context bytes for `addresses`.
    public static func encode(_ addresses: [UInt64: String]) -> [UInt8] {
        Array(addresses.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)\n" }.joined().utf8)
    }

    /// The addresses in `context`, or nil if it is not such an encoding.
    public static func decode(_ context: [UInt8]) -> [UInt64: String]? {
        guard let text = String(validating: context, as: UTF8.self) else { return nil }
        guard !text.isEmpty else { return [:] }
        guard text.hasSuffix("\n") else { return nil }
        var addresses: [UInt64: String] = [:]
        for line in text.dropLast().split(separator: "\n", omittingEmptySubsequences: false) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 2, let id = UInt64(fields[0]), id != 0, isValidAddress(fields[1]),
                addresses[id] == nil
            else { return nil }
            addresses[id] = String(fields[1])
        }
        return addresses
    }

    /// Whether `address` looks like `host:port` (a non-empty host without spaces, a port in
    /// 1...65535); the transport resolves the host.
    public static func isValidAddress(_ address: Substring) -> Bool {
        guard address.utf8.count <= maxAddressBytes, let colon = address.lastIndex(of: ":") else { return false }
        let host = address[..<colon]
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "\n" || $0 == "\t" }),
            let port = Int(address[address.index(after: colon)...]), (1...65_535).contains(port)
        else { return false }
        return true
    }
}
