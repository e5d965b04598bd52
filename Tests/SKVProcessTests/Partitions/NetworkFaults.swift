/// Which packets between the hosts of a ``NetworkLab`` are dropped: for each directed pair of
/// hosts, the percentage of the sender's packets the receiver never sees (100: the link is cut
/// that way). The test process's own address is never filtered, so clients reach every host.
struct NetworkFaults: Equatable, CustomStringConvertible {
    struct Link: Hashable {
        var from: Int
        var to: Int
    }

    let hostCount: Int
    /// Drop percentage (1...100) by directed link; absent: every packet arrives.
    private(set) var dropPercent: [Link: Int] = [:]

    init(hostCount: Int) { self.hostCount = hostCount }

    var isHealed: Bool { dropPercent.isEmpty }

    /// Drops `percent` of `from`'s packets to `to`.
    mutating func drop(from: Int, to: Int, percent: Int = 100) {
        precondition(from != to && (1...100).contains(percent), "a link between two hosts, 1...100 %")
        dropPercent[Link(from: from, to: to)] = percent
    }

    /// Cuts `a` and `b` from each other (both ways).
    mutating func cut(_ a: Int, _ b: Int) {
        drop(from: a, to: b)
        drop(from: b, to: a)
    }

    /// Cuts `host` from every other host (both ways).
    mutating func isolate(_ host: Int) {
        for other in 0..<hostCount where other != host { cut(host, other) }
    }

    mutating func heal() { dropPercent = [:] }

    /// The nft statements for `host`'s input chain, given each host's address.
    func inputRules(of host: Int, addresses: [String]) -> [String] {
        dropPercent.filter { $0.key.to == host }.sorted { $0.key.from < $1.key.from }.map { link, percent in
            percent >= 100
                ? "ip saddr \(addresses[link.from]) drop"
                : "ip saddr \(addresses[link.from]) numgen random mod 100 < \(percent) drop"
        }
    }

    var description: String {
        if dropPercent.isEmpty { return "healed" }
        return dropPercent.sorted { ($0.key.from, $0.key.to) < ($1.key.from, $1.key.to) }.map { link, percent in
            "h\(link.from + 1)->h\(link.to + 1)" + (percent >= 100 ? " cut" : " \(percent)% lost")
        }.joined(separator: ", ")
    }
}
