import MapReduce
import MapReduceApps
import RPCCore
import RPCInProcess
import Testing

/// A whole job in one process: a coordinator served over the in-process transport and two
/// concurrent workers running wc on two fixture books; the union of `mr-out-*` must equal the
/// sequential reference line for line.
@Suite struct EndToEndTests {
    @Test func twoWorkersMatchTheSequentialResult() async throws {
        let directory = SupportFiles.makeScratchDirectory()
        let reference = SupportFiles.makeScratchDirectory()
        defer {
            SupportFiles.removeScratchDirectory(directory)
            SupportFiles.removeScratchDirectory(reference)
        }
        let inputs = ["pg-being_ernest.txt", "pg-metamorphosis.txt"].map { "\(SupportFiles.fixtures)/\($0)" }
        try SequentialJob.run(app: WordCount(), inputFiles: inputs, outputPath: "\(reference)/mr-out-0")

        let service = CoordinatorService(configuration: .init(inputFiles: inputs, reduceCount: 5))
        let (serverTransport, clientTransport) = InProcessTransport.makePair()
        let server = RPCServer(transport: serverTransport, services: [service])
        let client = CoordinatorClient(wrapping: RPCClient(transport: clientTransport))
        let configuration = Worker.Configuration(directory: directory, waitInterval: .milliseconds(10))

        let exits = try await withThrowingTaskGroup(of: Worker.Exit?.self) { group in
            group.addTask {
                try await server.serve()
                return nil
            }
            for id in ["w1", "w2"] {
                group.addTask {
                    try await Worker(coordinator: client, app: WordCount(), workerID: id, configuration: configuration).run()
                }
            }
            var exits: [Worker.Exit] = []
            while exits.count < 2, let result = try await group.next() {
                if let exit = result { exits.append(exit) }
            }
            server.beginGracefulShutdown()
            try await group.waitForAll()
            return exits
        }
        #expect(exits == [.jobDone, .jobDone])
        #expect(service.isDone)
        let names = try LocalFiles.listDirectory(directory)
        #expect(names.filter { $0.hasPrefix("mr-out-") }.count == 5)
        #expect(names.filter { $0.hasPrefix(LocalFiles.temporaryPrefix) }.isEmpty)
        let distributed = try SupportFiles.sortedOutputLines(in: directory)
        let sequential = try SupportFiles.sortedOutputLines(in: reference)
        #expect(!sequential.isEmpty)
        #expect(distributed == sequential)
    }

    @Test func workerThatNeverReachesTheCoordinatorFails() async throws {
        // A server transport that is never served: calls fail, and the worker gives up after
        // its budget instead of reporting "job done".
        let (_, clientTransport) = InProcessTransport.makePair()
        let worker = Worker(
            coordinator: CoordinatorClient(wrapping: RPCClient(transport: clientTransport)), app: WordCount(),
            workerID: "lonely",
            configuration: .init(retryInterval: .milliseconds(10), unreachableBudget: .milliseconds(100), callTimeout: .milliseconds(50)))
        await #expect(throws: MapReduceError.self) { try await worker.run() }
    }
}
