import RPCCore
import ShardKV
import Synchronization

/// Test support: a fake replica of another group for a driver to pull from and garbage-collect
/// at. `answer` makes the PullShards reply from the request and its arrival number (1, 2, …);
/// DeleteShards is recorded and answered `.ok`.
final class ScriptedMigrationPeer: ShardMigrationServiceProtocol, RegistrableRPCService {
    private let answer: @Sendable (PullShardsRequest, Int) async -> PullShardsReply
    private let pulls = Mutex<[PullShardsRequest]>([])
    private let deletions = Mutex<[DeleteShardsRequest]>([])

    init(answer: @escaping @Sendable (PullShardsRequest, _ arrival: Int) async -> PullShardsReply) {
        self.answer = answer
    }

    /// The PullShards requests received, in order.
    var pullRequests: [PullShardsRequest] { pulls.withLock { $0 } }
    /// The DeleteShards requests received, in order.
    var deleteRequests: [DeleteShardsRequest] { deletions.withLock { $0 } }

    func pullShards(_ request: PullShardsRequest) async throws -> PullShardsReply {
        let arrival = pulls.withLock { pulls in
            pulls.append(request)
            return pulls.count
        }
        return await answer(request, arrival)
    }

    func deleteShards(_ request: DeleteShardsRequest) async throws -> DeleteShardsReply {
        deletions.withLock { $0.append(request) }
        return DeleteShardsReply(outcome: .ok)
    }

    func registerMethods(with router: inout RPCRouter) {
        registerShardMigrationMethods(with: &router)
    }
}
