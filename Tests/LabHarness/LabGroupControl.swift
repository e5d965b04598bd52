public import RaftRuntime

/// What a test may do to any ``LabReplicaGroup`` whatever its service: crash, restart and
/// partition its servers (a nemesis works on groups of different services through it).
public protocol LabGroupControl: Sendable {
    var count: Int { get }
    var all: [Int] { get }
    func peer(_ i: Int) async -> RaftPeer?
    func shutdownServer(_ i: Int) async
    func startServer(_ i: Int) async throws
    func connect(_ i: Int, to: [Int]) async
    func connectAll() async
    func partition(_ p1: [Int], _ p2: [Int]) async
}

extension LabReplicaGroup: LabGroupControl {}
