import RaftRuntime

extension ClusterProbe {
    /// The group's membership as its leader (or any member) reports it through
    /// `skv.raft.Membership/List`, asking the members at `addresses` within two RPC timeouts;
    /// nil if none answers (or, with TLS, the caller's certificate is not a member's).
    func membership(of addresses: [String]) async -> Membership? {
        guard !addresses.isEmpty else { return nil }
        var configuration = MembershipClerk.Configuration()
        configuration.listRPCTimeout = rpcTimeout
        configuration.operationTimeout = rpcTimeout * 2
        let pool = pool
        let clerk = MembershipClerk(servers: addresses, configuration: configuration) {
            MembershipClient(wrapping: pool.client(for: $0))
        }
        return try? await clerk.list()
    }

    /// The group of the members at `addresses` and of every member its membership lists
    /// besides (a member added since the list was written), each probed with `probe`.
    func group(
        name: String, gid: UInt64? = nil, _ addresses: [(id: UInt64?, address: String)],
        probe: @escaping @Sendable (String, UInt64?) async -> ClusterStatus.Member
    ) async -> ClusterStatus.Group {
        let membership = await membership(of: addresses.map(\.address))
        var all = addresses
        for member in membership?.members ?? [] {
            guard let address = member.address,
                !all.contains(where: { $0.id == member.id || $0.address == address })
            else { continue }
            all.append((id: member.id, address: address))
        }
        let members = await probeMembers(all, probe)
        return ClusterStatus.Group(name: name, gid: gid, members: members, membership: membership)
    }
}
