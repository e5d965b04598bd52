import KVRaft
import LabHarness

/// A clerk made by the lab cluster, with its own client end to every server (indexed by
/// server), so the test can connect and disconnect it per server.
final class LabClerk: Sendable {
    let clerk: Clerk
    let ends: LabClientEnds

    init(clerk: Clerk, ends: LabClientEnds) {
        self.clerk = clerk
        self.ends = ends
    }
}
