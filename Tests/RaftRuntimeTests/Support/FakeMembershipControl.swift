import RaftRuntime

/// A ``MembershipControl`` whose answers a test scripts: each change pops the next result
/// (when none is left, it succeeds with the current membership); every request is recorded.
actor FakeMembershipControl: MembershipControl {
    /// One recorded `changeMembership` call.
    struct Call: Equatable {
        var request: MembershipRequest
        var force: Bool
        var timeout: Duration
    }

    private var current: Membership
    private var results: [Result<Membership, RaftPeerError>]
    private(set) var calls: [Call] = []

    init(_ membership: Membership, results: [Result<Membership, RaftPeerError>] = []) {
        current = membership
        self.results = results
    }

    func membership() -> Membership { current }

    func changeMembership(
        _ request: MembershipRequest, force: Bool, timeout: Duration
    ) async throws(RaftPeerError) -> Membership {
        calls.append(Call(request: request, force: force, timeout: timeout))
        guard !results.isEmpty else { return current }
        switch results.removeFirst() {
        case .success(let membership):
            current = membership
            return membership
        case .failure(let error):
            throw error
        }
    }
}

extension Membership {
    /// Voters 1...n at `127.0.0.1:7001`..., led by `leader`.
    static func voters(_ n: UInt64, leader: UInt64?, index: UInt64 = 0) -> Membership {
        Membership(
            members: (1...n).map { Member(id: $0, address: "127.0.0.1:\(7000 + $0)", role: .voter) }, isJoint: false,
            index: index, leaderID: leader)
    }
}
