/// A `host:port` address as given on the command line (`127.0.0.1:7001`, `[::1]:7001`).
struct Address: Hashable, Sendable, CustomStringConvertible {
    var host: String
    var port: Int

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// - Parameter allowsAnyPort: whether port 0 (the system picks a free port) is accepted.
    /// - Throws: ``SKVError`` with a one-line reason.
    init(parsing text: String, allowsAnyPort: Bool = false) throws(SKVError) {
        guard let colon = text.lastIndex(of: ":") else {
            throw SKVError("invalid address '\(text)': expected HOST:PORT")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(where: \.isWhitespace), let port = Int(text[text.index(after: colon)...]),
            (allowsAnyPort ? 0 : 1)...65535 ~= port
        else {
            throw SKVError(
                "invalid address '\(text)': expected HOST:PORT with a port in \(allowsAnyPort ? 0 : 1)...65535")
        }
        self.init(host: host, port: port)
    }

    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// The members of the group from `--peer ID=HOST:PORT` options.
struct PeerList: Equatable, Sendable, CustomStringConvertible {
    /// Address by Raft id.
    var addresses: [UInt64: Address]

    /// - Throws: ``SKVError`` for a malformed option, id 0 or a duplicate id.
    init(parsing options: [String]) throws(SKVError) {
        var addresses: [UInt64: Address] = [:]
        for option in options {
            guard let equals = option.firstIndex(of: "="), let id = UInt64(option[..<equals]), id > 0 else {
                throw SKVError("invalid --peer '\(option)': expected ID=HOST:PORT with a positive id")
            }
            let address = try Address(parsing: String(option[option.index(after: equals)...]))
            guard addresses[id] == nil else { throw SKVError("duplicate peer id \(id)") }
            addresses[id] = address
        }
        self.addresses = addresses
    }

    init(addresses: [UInt64: Address]) { self.addresses = addresses }

    /// `1=host:port,2=host:port,...`, by id.
    var description: String {
        addresses.keys.sorted().map { "\($0)=\(addresses[$0]!)" }.joined(separator: ",")
    }
}

/// One server in a client's list: `HOST:PORT`, or `ID=HOST:PORT` where the Raft id lets the
/// client match leader hints by id.
struct Endpoint: Sendable {
    var id: UInt64?
    var address: Address

    /// Parses a comma-separated list (`--endpoints`, `--ctrlers`); `option` names it in errors.
    /// - Throws: ``SKVError`` for an empty list or a malformed entry.
    static func list(parsing text: String, option: String) throws(SKVError) -> [Endpoint] {
        let parts = text.split(separator: ",").map(String.init)
        guard !parts.isEmpty else { throw SKVError("\(option) is empty") }
        var result: [Endpoint] = []
        for part in parts {
            if let equals = part.firstIndex(of: "=") {
                guard let id = UInt64(part[..<equals]), id > 0 else {
                    throw SKVError("invalid \(option) entry '\(part)': expected HOST:PORT or ID=HOST:PORT")
                }
                let address = try Address(parsing: String(part[part.index(after: equals)...]))
                result.append(Endpoint(id: id, address: address))
            } else {
                result.append(Endpoint(id: nil, address: try Address(parsing: part)))
            }
        }
        return result
    }
}
