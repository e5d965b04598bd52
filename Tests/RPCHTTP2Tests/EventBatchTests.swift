@testable import RPCHTTP2
import Testing

/// `handOver(_:to:)`: the producer's queue and the consumer's batch alternate; every event is
/// delivered once, in order, also when the consumer is re-entered while iterating its batch.
struct EventBatchTests {
    @Test func eventsMoveToTheBatchAndTheQueueStartsEmpty() {
        var queue = [1, 2, 3]
        var batch = [9]  // left over: emptied first
        handOver(&queue, to: &batch)
        #expect(batch == [1, 2, 3])
        #expect(queue.isEmpty)
        batch.removeAll(keepingCapacity: true)
        queue.append(4)
        handOver(&queue, to: &batch)
        #expect(batch == [4] && queue.isEmpty)
    }

    @Test func aNestedHandOverNeverGivesTheProducerEventsBack() {
        var queue = [1, 2]
        var batch: [Int] = []
        var delivered: [Int] = []
        handOver(&queue, to: &batch)
        for event in batch {  // the outer iteration holds the batch's buffer
            delivered.append(event)
            if event == 1 {
                queue.append(3)  // produced while the consumer is busy, consumed re-entrantly
                handOver(&queue, to: &batch)
                for nested in batch { delivered.append(nested) }
                batch.removeAll(keepingCapacity: true)
            }
        }
        batch.removeAll(keepingCapacity: true)
        #expect(delivered == [1, 3, 2])
        #expect(queue.isEmpty)
        queue.append(4)
        handOver(&queue, to: &batch)
        #expect(batch == [4])
    }
}
