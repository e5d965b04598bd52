/// Hands a producer's queued events to its consumer without allocating.
///
/// `return events` followed by `events.removeAll(keepingCapacity: true)` allocates a whole new
/// buffer on every call (the returned copy still shares the old one), once per received read and
/// per flush on both sides of a connection. Instead the consumer keeps a batch buffer of its own:
/// ``handOver(_:to:)`` empties it (in place once the consumer's previous iteration is over) and
/// swaps it with the producer's queue, so the two buffers alternate and keep their capacity.
///
/// The consumer must empty its batch when it has processed it (`removeAll(keepingCapacity:
/// true)`): then no event — a message's bytes — stays referenced after it was handled. A
/// consumer re-entered while iterating its batch stays correct: the nested hand-over finds the
/// batch shared with the outer iteration and empties a fresh buffer instead, so the producer
/// always receives an empty queue and no event is delivered twice.
@inlinable
package func handOver<Event>(_ queue: inout [Event], to batch: inout [Event]) {
    batch.removeAll(keepingCapacity: true)
    swap(&queue, &batch)
}
