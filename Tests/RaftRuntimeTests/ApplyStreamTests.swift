import Testing

@testable import RaftRuntime

/// ``ApplyStream``: batches in log order, a waiting consumer woken by the next batch, the end
/// after what is waiting, a cancelled wait that loses nothing, and the one-by-one iterator.
@Suite("Apply stream")
struct ApplyStreamTests {
    static func command(_ index: UInt64) -> ApplyMessage { .command(index: index, term: 1, data: [UInt8(index)]) }

    @Test func batchesAddedBeforeTheConsumerAsksArriveTogetherInOrder() async {
        let (stream, sink) = ApplyStream.makeStream()
        sink.yield(contentsOf: [Self.command(1), Self.command(2)])
        sink.yield(contentsOf: [])
        sink.yield(Self.command(3))
        #expect(await stream.nextBatch() == [Self.command(1), Self.command(2), Self.command(3)])
    }

    @Test(.timeLimit(.minutes(1)))
    func aWaitingConsumerGetsTheNextBatch() async {
        let (stream, sink) = ApplyStream.makeStream()
        let consumer = Task { await stream.nextBatch() }
        // Whether the consumer waits already or not, it gets exactly this batch.
        await Task.yield()
        sink.yield(contentsOf: [Self.command(1), Self.command(2)])
        #expect(await consumer.value == [Self.command(1), Self.command(2)])
    }

    @Test(.timeLimit(.minutes(1)))
    func finishingHandsOutWhatIsWaitingThenEnds() async {
        let (stream, sink) = ApplyStream.makeStream()
        sink.yield(Self.command(1))
        sink.finish()
        sink.yield(Self.command(2))  // after the end: dropped
        #expect(await stream.nextBatch() == [Self.command(1)])
        #expect(await stream.nextBatch() == nil)

        let (waited, waitedSink) = ApplyStream.makeStream()
        let consumer = Task { await waited.nextBatch() }
        await Task.yield()
        waitedSink.finish()
        #expect(await consumer.value == nil)
    }

    @Test(.timeLimit(.minutes(1)))
    func aCancelledWaitReturnsNilAndLosesNothing() async {
        let (stream, sink) = ApplyStream.makeStream()
        let consumer = Task { await stream.nextBatch() }
        await Task.yield()
        consumer.cancel()
        #expect(await consumer.value == nil)
        // The stream goes on: a later wait gets what is added afterwards.
        sink.yield(Self.command(1))
        #expect(await stream.nextBatch() == [Self.command(1)])

        let cancelledBeforeAsking = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await stream.nextBatch()
        }
        #expect(await cancelledBeforeAsking.value == nil)
    }

    @Test(.timeLimit(.minutes(1)))
    func theIteratorHandsOutMessagesOneByOneAcrossBatches() async {
        let (stream, sink) = ApplyStream.makeStream()
        let reader = Task {
            var seen: [ApplyMessage] = []
            for await message in stream { seen.append(message) }
            return seen
        }
        sink.yield(contentsOf: [Self.command(1), Self.command(2)])
        await Task.yield()
        sink.yield(contentsOf: [Self.command(3)])
        sink.yield(contentsOf: [Self.command(4), Self.command(5)])
        sink.finish()
        #expect(await reader.value == (1...5).map(Self.command))
    }
}
