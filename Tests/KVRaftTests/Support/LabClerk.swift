import KVRaft

/// A clerk made by the lab cluster, with its own client end to every server (indexed by
/// server), so the test can connect and disconnect it per server.
final class LabClerk: Sendable {
    let clerk: Clerk
    /// endNames[i]: this clerk's end to server i.
    let endNames: [String]

    init(clerk: Clerk, endNames: [String]) {
        self.clerk = clerk
        self.endNames = endNames
    }
}
