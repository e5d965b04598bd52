/// Why a ``MembershipClerk`` request failed: the group's answer, or that no leader answered
/// within the clerk's bounds.
public enum MembershipClerkError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The change does not apply to the membership (the leader's reason).
    case refused(reason: String)
    /// The change would leave the voters heard from recently (`healthy`) without a quorum
    /// (make it anyway with `force`).
    case wouldLoseQuorum(healthy: [UInt64])
    /// Another change (at `index`) was still pending when the clerk gave up.
    case changePending(index: UInt64)
    /// The leader did not apply the change within its timeout; it may still apply.
    case timeout
    /// A server refused the request itself: malformed (`INVALID_ARGUMENT`), or over TLS a
    /// caller whose certificate is not a member's (`PERMISSION_DENIED`, `UNAUTHENTICATED`).
    case rejected(String)
    /// No leader answered within the clerk's attempts and time; the last problem seen.
    case unavailable(lastProblem: String)

    public var description: String {
        switch self {
        case .refused(let reason): "refused: \(reason)"
        case .wouldLoseQuorum(let healthy):
            "refused: the change would leave the healthy voters (\(healthy.map(String.init).joined(separator: ", ")))"
                + " without a quorum; --force makes it anyway"
        case .changePending(let index): "another membership change (index \(index)) is still pending; retry later"
        case .timeout: "the change was not applied in time (it may still apply; check with `member list`)"
        case .rejected(let message): "rejected: \(message)"
        case .unavailable(let problem): "no leader answered: \(problem)"
        }
    }
}
