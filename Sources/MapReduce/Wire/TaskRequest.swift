public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.mapreduce.TaskRequest`: a worker asking the coordinator for its next task.
public struct TaskRequest: Hashable, Sendable {
    /// Free-form worker identity (for example `host/pid`), used in logs only.
    public var workerID: String

    public init(workerID: String = "") {
        self.workerID = workerID
    }
}

extension TaskRequest: ProtobufCConvertible {
    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__mapreduce__task_request__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let message = arena.allocate(Skv__Mapreduce__TaskRequest.self, initializer: skv__mapreduce__task_request__init)
        message.pointee.worker_id = try arena.copyString(workerID)
        return ProtobufCMessagePointer(message)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Mapreduce__TaskRequest.self).pointee
        self.init(workerID: try ProtobufCField.string(c.worker_id))
    }
}
