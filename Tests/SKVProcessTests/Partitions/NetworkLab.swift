import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A private network for the partition tests: one network namespace per host (`<name>-h1`, ...),
/// each with a veth into a bridge that lives in a hub namespace (`<name>-hub`), and a veth from
/// this process's namespace into the same bridge, so the test's clients reach every host directly
/// (`10.77.<subnet>.254` → `10.77.<subnet>.<host>`). Faults are nft rules in each host's input
/// chain (``NetworkFaults``); the test's own address is never filtered.
///
/// Names start with ``prefix`` and carry this process's id, so parallel runs never collide and a
/// later run removes what a crashed one left behind (namespaces whose process is gone, with any
/// daemon still inside). ``destroy()`` kills whatever runs in the namespaces and removes them
/// (removing a namespace removes its veths and their peers). Needs root, `ip` and `nft`.
final class NetworkLab: Sendable {
    /// Every namespace and root-side link name of the harness starts with this.
    static let prefix = "skvpart"
    /// The bridge's subnet is `10.77.<subnet>.0/24`.
    static let subnetBase = "10.77"
    static let clientHostOctet = 254
    /// Serializes subnet choice between concurrent runs on the machine.
    static let lockPath = "/tmp/skvpart-network.lock"

    let name: String
    let subnet: Int
    let hostCount: Int

    /// `<name>-h<i+1>`: where host `i`'s daemons run.
    func namespace(_ host: Int) -> String { "\(name)-h\(host + 1)" }
    var hubNamespace: String { "\(name)-hub" }
    /// The root-side end of the test process's veth (at most 15 bytes).
    var rootLink: String { "\(Self.prefix)\(subnet)" }
    /// Host `i`'s address.
    func address(_ host: Int) -> String { "\(Self.subnetBase).\(subnet).\(host + 1)" }
    var addresses: [String] { (0..<hostCount).map(address) }
    var clientAddress: String { "\(Self.subnetBase).\(subnet).\(Self.clientHostOctet)" }

    private init(name: String, subnet: Int, hostCount: Int) {
        self.name = name
        self.subnet = subnet
        self.hostCount = hostCount
    }

    // MARK: Availability

    /// Why the harness cannot run here (`nil`: it can): not root, no `ip` or `nft`, or the kernel
    /// refuses network namespaces or nft rules inside them. Probed once per process.
    static let unavailableReason: String? = probe()

    private static func probe() -> String? {
        if getuid() != 0 { return "not running as root (network namespaces and nft rules need root)" }
        if HostCommand.firstExecutable([HostCommand.ip]) == nil { return "no `ip` (iproute2) at \(HostCommand.ip)" }
        if HostCommand.firstExecutable([HostCommand.nft]) == nil {
            return "no `nft` at \(HostCommand.nft) (Scripts/bootstrap.sh installs nftables)"
        }
        let probe = "\(prefix)-\(getpid())-probe"
        defer { _ = try? HostCommand.run(HostCommand.ip, ["netns", "del", probe]) }
        do {
            try HostCommand.check(HostCommand.ip, ["netns", "add", probe])
            try HostCommand.check(
                HostCommand.ip, ["netns", "exec", probe, HostCommand.nft, "add table inet skvprobe"])
        } catch {
            return "network namespaces or nft are unavailable: \(error)"
        }
        return nil
    }

    /// Why slow links cannot be injected here (`nil`: they can): no `tc`, or no tbf qdisc.
    /// Probed once per process, in a namespace of its own.
    static let shapingUnavailableReason: String? = probeShaping()

    private static func probeShaping() -> String? {
        if let reason = unavailableReason { return reason }
        if HostCommand.firstExecutable([HostCommand.tc]) == nil { return "no `tc` (iproute2) at \(HostCommand.tc)" }
        let probe = "\(prefix)-\(getpid())-tcprobe"
        defer { _ = try? HostCommand.run(HostCommand.ip, ["netns", "del", probe]) }
        do {
            try HostCommand.check(HostCommand.ip, ["netns", "add", probe])
            try HostCommand.check(
                HostCommand.ip,
                ["netns", "exec", probe, HostCommand.tc, "qdisc", "add", "dev", "lo", "root"] + tbfArguments(256, 100))
        } catch {
            return "the tbf qdisc is unavailable: \(error)"
        }
        return nil
    }

    /// `tc` arguments of a token bucket of `rateKbit` holding up to `latencyMilliseconds` of traffic.
    static func tbfArguments(_ rateKbit: Int, _ latencyMilliseconds: Int) -> [String] {
        ["tbf", "rate", "\(rateKbit)kbit", "burst", "16kbit", "latency", "\(latencyMilliseconds)ms"]
    }

    /// Makes `host` send through a token bucket (see ``FaultSchedule/Kind/slowLink``).
    func slowDown(_ host: Int, rateKbit: Int, latencyMilliseconds: Int) throws {
        try HostCommand.check(
            HostCommand.ip,
            ["netns", "exec", namespace(host), HostCommand.tc, "qdisc", "replace", "dev", "eth0", "root"]
                + Self.tbfArguments(rateKbit, latencyMilliseconds))
    }

    /// Removes `host`'s token bucket.
    func restoreSpeed(_ host: Int) throws {
        try HostCommand.check(
            HostCommand.ip, ["netns", "exec", namespace(host), HostCommand.tc, "qdisc", "del", "dev", "eth0", "root"])
    }

    // MARK: Setup and teardown

    private static let runs = Atomic<Int>(0)

    /// Removes leftovers of crashed runs, then builds `hostCount` hosts on a free subnet.
    static func create(hostCount: Int) throws -> NetworkLab {
        precondition((1...200).contains(hostCount), "1 to 200 hosts")
        if let reason = unavailableReason { throw SKVProcessError(description: "no network lab: \(reason)") }
        let lock = open(lockPath, O_CREAT | O_RDWR, 0o644)
        guard lock >= 0 else { throw SKVProcessError(description: "cannot open \(lockPath)") }
        defer { close(lock) }
        flock(lock, LOCK_EX)
        defer { flock(lock, LOCK_UN) }
        removeLeftovers()
        let used = try HostCommand.check(ip, ["-o", "-4", "addr", "show"])
        guard
            let subnet = (1...250).first(where: { !used.contains(" \(subnetBase).\($0).") })
        else { throw SKVProcessError(description: "no free \(subnetBase).X.0/24 subnet") }
        let run = runs.add(1, ordering: .relaxed).newValue
        let lab = NetworkLab(name: "\(prefix)-\(getpid())-\(run)", subnet: subnet, hostCount: hostCount)
        do {
            try lab.build()
        } catch {
            lab.destroy()
            throw error
        }
        return lab
    }

    private static var ip: String { HostCommand.ip }

    private func build() throws {
        let ip = HostCommand.ip
        try HostCommand.check(ip, ["netns", "add", hubNamespace])
        try HostCommand.check(ip, ["-n", hubNamespace, "link", "add", "br0", "type", "bridge"])
        try HostCommand.check(ip, ["-n", hubNamespace, "link", "set", "br0", "up"])
        for host in 0..<hostCount {
            let namespace = namespace(host)
            try HostCommand.check(ip, ["netns", "add", namespace])
            try HostCommand.check(
                ip, ["link", "add", "eth0", "netns", namespace, "type", "veth", "peer", "name", "h\(host + 1)", "netns",
                    hubNamespace])
            try HostCommand.check(ip, ["-n", hubNamespace, "link", "set", "h\(host + 1)", "master", "br0", "up"])
            try HostCommand.check(ip, ["-n", namespace, "addr", "add", "\(address(host))/24", "dev", "eth0"])
            try HostCommand.check(ip, ["-n", namespace, "link", "set", "eth0", "up"])
            try HostCommand.check(ip, ["-n", namespace, "link", "set", "lo", "up"])
            try HostCommand.check(
                ip, ["netns", "exec", namespace, HostCommand.nft, "-f", "-"],
                input: """
                    table inet skvfault {
                        chain input { type filter hook input priority 0; policy accept; }
                    }

                    """)
        }
        try HostCommand.check(
            ip, ["link", "add", rootLink, "type", "veth", "peer", "name", "client", "netns", hubNamespace])
        try HostCommand.check(ip, ["-n", hubNamespace, "link", "set", "client", "master", "br0", "up"])
        try HostCommand.check(ip, ["addr", "add", "\(clientAddress)/24", "dev", rootLink])
        try HostCommand.check(ip, ["link", "set", rootLink, "up"])
    }

    /// Replaces every host's rules with `faults` (one atomic nft batch per host).
    func apply(_ faults: NetworkFaults) throws {
        precondition(faults.hostCount == hostCount, "faults for this lab's hosts")
        for host in 0..<hostCount {
            let rules = faults.inputRules(of: host, addresses: addresses)
            let script = (["flush chain inet skvfault input"] + rules.map { "add rule inet skvfault input \($0)" })
                .joined(separator: "\n") + "\n"
            try HostCommand.check(HostCommand.ip, ["netns", "exec", namespace(host), HostCommand.nft, "-f", "-"],
                input: script)
        }
    }

    /// Kills every process left in the lab's namespaces and removes them and the root-side link
    /// (never throws; safe to call twice).
    func destroy() {
        _ = try? HostCommand.run(HostCommand.ip, ["link", "del", rootLink])
        for namespace in (0..<hostCount).map(namespace) + [hubNamespace] {
            Self.removeNamespace(namespace)
        }
    }

    private static func removeNamespace(_ namespace: String) {
        if let pids = try? HostCommand.run(HostCommand.ip, ["netns", "pids", namespace]).output {
            for pid in pids.split(whereSeparator: \.isWhitespace).compactMap({ Int32($0) }) {
                kill(pid, SIGCONT)
                kill(pid, SIGKILL)
            }
        }
        _ = try? HostCommand.run(HostCommand.ip, ["netns", "del", namespace])
    }

    /// Namespaces `<prefix>-<pid>-...` whose process no longer runs (or is this one: a lab this
    /// process left behind), with whatever still runs inside them.
    static func removeLeftovers() {
        guard let list = try? HostCommand.run(HostCommand.ip, ["netns", "list"]).output else { return }
        for line in list.split(separator: "\n") {
            let namespace = String(line.split(separator: " ").first ?? "")
            let parts = namespace.split(separator: "-")
            guard parts.count >= 3, parts[0] == prefix, let pid = Int32(parts[1]) else { continue }
            if pid == getpid() || kill(pid, 0) != 0 {
                print("NetworkLab: removing leftover namespace \(namespace)")
                removeNamespace(namespace)
            }
        }
    }
}
