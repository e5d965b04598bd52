import Foundation
import Raft
import RaftRuntime
import Testing

extension KVProcessTests {
    /// A data directory whose snapshot file is intact (its checksums hold) but whose service
    /// state does not decode (a bug or another version wrote it): the daemon refuses to start,
    /// exits 1, and its one-line message names the snapshot file; no trap.
    @Test(.timeLimit(.minutes(1)))
    func aSnapshotTheServiceCannotDecodeStopsTheStartWithTheFileNamed() async throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try SKVProcessCluster(root: root)
        let directory = cluster.dataDirectory(0)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let store = try DiskRaftStore(directory: directory)
        let snapshot = Snapshot(
            metadata: Snapshot.Metadata(index: 7, term: 2, voters: [1, 2, 3]), data: [0x0A, 0xFF, 0xFF, 0xFF])
        try store.persist(
            hardState: HardState(term: 2, vote: 0, commit: 7), entries: [], snapshot: snapshot, mustSync: true)
        store.close()

        let result = try await SKVBinary.run(cluster.serveArguments(0), within: .seconds(30))
        let file = DiskRaftStore.snapshotFile(directory: directory, index: 7)
        #expect(result.status == 1, "exit status \(result.status): \(result.stderr)")
        let reason = result.stderr.split(separator: "\n").filter { $0.hasPrefix("skv: ") }
        #expect(reason.count == 1 && reason[0].contains(file) && reason[0].contains("index 7"), "\(result.stderr)")
        print("CorruptSnapshotProcessTests: \(reason.first ?? "")")
    }
}
