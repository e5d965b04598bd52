import RPCCore
import Synchronization

/// Serves `skv.raft.Raft` for a peer that does not exist yet: a composition root binds its
/// server first (to learn its port), builds the `RaftPeer` once every member's address is
/// known, then calls ``attach(_:)``. Until then, and after ``detach()``, calls fail with
/// `UNAVAILABLE` (the sender's Raft retries).
public final class DeferredRaftService: RaftServiceProtocol {
    private let target = Mutex<(any RaftServiceProtocol)?>(nil)

    public init() {}

    /// Routes later calls to `service`.
    public func attach(_ service: any RaftServiceProtocol) {
        target.withLock { $0 = service }
    }

    /// Refuses later calls.
    public func detach() {
        target.withLock { $0 = nil }
    }

    public func step(_ request: StepRequest) async throws -> StepResponse {
        guard let service = target.withLock({ $0 }) else {
            throw RPCError(code: .unavailable, message: "The Raft peer is not running.")
        }
        return try await service.step(request)
    }
}
