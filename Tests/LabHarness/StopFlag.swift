import Synchronization

/// A flag one task raises and others poll (the lab's `atomic.StoreInt32(&done, 1)`).
public final class StopFlag: Sendable {
    private let raised = Atomic<Bool>(false)

    public init() {}

    public func raise() { raised.store(true, ordering: .sequentiallyConsistent) }
    public var isRaised: Bool { raised.load(ordering: .sequentiallyConsistent) }
}
