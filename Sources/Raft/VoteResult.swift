/// The state of an election (or of any yes/no poll of the voters) as a configuration sees it.
public enum VoteResult: Sendable, Hashable {
    /// Neither a quorum of yes nor enough no votes to rule one out yet.
    case pending
    /// A quorum voted yes.
    case won
    /// Enough voters voted no that no quorum of yes is possible any more.
    case lost
}
