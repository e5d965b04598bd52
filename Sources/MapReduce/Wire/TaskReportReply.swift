public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.mapreduce.TaskReportReply`: the coordinator's answer to a ``TaskReport``.
public struct TaskReportReply: Hashable, Sendable {
    /// `false` when another attempt had already completed the task (harmless: outputs are
    /// written atomically and are identical for a deterministic application).
    public var accepted: Bool

    public init(accepted: Bool = false) {
        self.accepted = accepted
    }
}

extension TaskReportReply: ProtobufCConvertible {
    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__mapreduce__task_report_reply__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let message = arena.allocate(Skv__Mapreduce__TaskReportReply.self, initializer: skv__mapreduce__task_report_reply__init)
        message.pointee.accepted = accepted ? 1 : 0
        return ProtobufCMessagePointer(message)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Mapreduce__TaskReportReply.self).pointee
        self.init(accepted: c.accepted != 0)
    }
}
