import Synchronization

/// A flag one task raises and others poll (the lab's `atomic.StoreInt32(&done, 1)`).
final class StopFlag: Sendable {
    private let raised = Atomic<Bool>(false)

    func raise() { raised.store(true, ordering: .sequentiallyConsistent) }
    var isRaised: Bool { raised.load(ordering: .sequentiallyConsistent) }
}
