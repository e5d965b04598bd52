import Foundation
import RaftRuntime
import Testing

/// Raft over the real transport: three peers on loopback HTTP/2, persisting to disk; a
/// leader failure, then a restart of the whole cluster from disk.
@Suite("RaftPeer over HTTP/2")
struct RaftPeerHTTP2Tests {
    @Test(.timeLimit(.minutes(2)))
    func leaderFailoverAndFullRestartFromDisk() async throws {
        try await withTemporaryDirectory { root in
            let directories = (1...3).map { "\(root)/peer\($0)" }
            var committed: [UInt64: [UInt8]] = [:]
            do {
                let cluster = try await HTTP2RaftCluster(directories: directories)
                await cluster.start()
                let first = try #require(await cluster.leader(among: [0, 1, 2]))
                var last: UInt64 = 0
                for k in 0..<100 {
                    let command = Array("a-\(k)".utf8)
                    let result = await cluster.peers[first].propose(command)
                    try #require(result.isLeader)
                    committed[result.index] = command
                    last = result.index
                }
                for recorder in cluster.recorders { #expect(await recorder.waitFor(index: last)) }

                await cluster.stop(first)
                let others = [0, 1, 2].filter { $0 != first }
                let second = try #require(await cluster.leader(among: others))
                for k in 0..<20 {
                    let command = Array("b-\(k)".utf8)
                    let result = await cluster.peers[second].propose(command)
                    try #require(result.isLeader)
                    committed[result.index] = command
                    last = result.index
                }
                for i in others { #expect(await cluster.recorders[i].waitFor(index: last)) }
                await cluster.shutdown()
            }

            // Restart everyone from disk: every committed command is delivered again, on
            // every peer (the old leader catches up on what it missed).
            let cluster = try await HTTP2RaftCluster(directories: directories)
            await cluster.start()
            let leader = try #require(await cluster.leader(among: [0, 1, 2]))
            let marker = await cluster.peers[leader].propose(Array("c".utf8))
            try #require(marker.isLeader)
            for (i, recorder) in cluster.recorders.enumerated() {
                #expect(await recorder.waitFor(index: marker.index, within: .seconds(20)), "peer \(i + 1)")
                let commands = await recorder.commands()
                for (index, command) in committed {
                    #expect(commands[index] == command, "peer \(i + 1) index \(index)")
                }
            }
            await cluster.shutdown()
        }
    }
}
