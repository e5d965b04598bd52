public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.mapreduce.TaskReport`: a worker telling the coordinator that a task's output files
/// are complete (already renamed into place).
public struct TaskReport: Hashable, Sendable {
    /// ``TaskKind/map`` or ``TaskKind/reduce``.
    public var kind: TaskKind
    public var taskNumber: UInt32
    /// The attempt number from the ``TaskAssignment`` that was run.
    public var attempt: UInt32

    public init(kind: TaskKind = .wait, taskNumber: UInt32 = 0, attempt: UInt32 = 0) {
        self.kind = kind
        self.taskNumber = taskNumber
        self.attempt = attempt
    }
}

extension TaskReport: ProtobufCConvertible {
    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__mapreduce__task_report__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let message = arena.allocate(Skv__Mapreduce__TaskReport.self, initializer: skv__mapreduce__task_report__init)
        message.pointee.kind = Skv__Mapreduce__TaskKind(rawValue: .init(truncatingIfNeeded: kind.rawValue))
        message.pointee.task_number = taskNumber
        message.pointee.attempt = attempt
        return ProtobufCMessagePointer(message)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Mapreduce__TaskReport.self).pointee
        self.init(
            kind: TaskKind(rawValue: Int32(truncatingIfNeeded: c.kind.rawValue)),
            taskNumber: c.task_number,
            attempt: c.attempt)
    }
}
