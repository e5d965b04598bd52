import Synchronization

/// Lets a connection's event loop cancel the task running one stream's handler (the client
/// reset the stream, or the connection died), whichever of "task attached" and "cancel" comes
/// first.
final class StreamCancellation: Sendable {
    private enum State {
        case pending
        case attached(Task<Void, Never>)
        case cancelled
    }

    private let state = Mutex(State.pending)

    func attach(_ task: Task<Void, Never>) {
        let cancelNow = state.withLock { state -> Bool in
            if case .cancelled = state { return true }
            state = .attached(task)
            return false
        }
        if cancelNow { task.cancel() }
    }

    func cancel() {
        let task = state.withLock { state -> Task<Void, Never>? in
            defer { state = .cancelled }
            if case .attached(let task) = state { return task }
            return nil
        }
        task?.cancel()
    }
}
