public import RPCCore
public import RPCProtobuf
internal import CProtobufC
internal import CProtos

/// `skv.mapreduce.TaskAssignment`: the coordinator's answer to a ``TaskRequest``.
///
/// For ``TaskKind/map``, `inputFile` names the file to map and the worker writes
/// `mr-<taskNumber>-<Y>` for every `Y` in `0..<reduceCount`. For ``TaskKind/reduce``, the
/// worker reads `mr-<X>-<taskNumber>` for every `X` in `0..<mapCount` and writes
/// `mr-out-<taskNumber>`. For ``TaskKind/wait`` and ``TaskKind/exit`` the other fields are 0.
public struct TaskAssignment: Hashable, Sendable {
    public var kind: TaskKind
    public var taskNumber: UInt32
    public var inputFile: String
    public var mapCount: UInt32
    public var reduceCount: UInt32
    /// Which issue of this task this is: 1 for the first, 2 after one re-issue, and so on.
    public var attempt: UInt32

    public init(
        kind: TaskKind = .wait,
        taskNumber: UInt32 = 0,
        inputFile: String = "",
        mapCount: UInt32 = 0,
        reduceCount: UInt32 = 0,
        attempt: UInt32 = 0
    ) {
        self.kind = kind
        self.taskNumber = taskNumber
        self.inputFile = inputFile
        self.mapCount = mapCount
        self.reduceCount = reduceCount
        self.attempt = attempt
    }
}

extension TaskAssignment: ProtobufCConvertible {
    public static var protobufCDescriptor: ProtobufCDescriptor {
        ProtobufCDescriptor(initializer: skv__mapreduce__task_assignment__init)
    }

    public func makeProtobufCMessage(in arena: ProtobufCArena) throws(RPCError) -> ProtobufCMessagePointer {
        let message = arena.allocate(Skv__Mapreduce__TaskAssignment.self, initializer: skv__mapreduce__task_assignment__init)
        message.pointee.kind = Skv__Mapreduce__TaskKind(rawValue: .init(truncatingIfNeeded: kind.rawValue))
        message.pointee.task_number = taskNumber
        message.pointee.input_file = try arena.copyString(inputFile)
        message.pointee.map_count = mapCount
        message.pointee.reduce_count = reduceCount
        message.pointee.attempt = attempt
        return ProtobufCMessagePointer(message)
    }

    public init(protobufCMessage message: ProtobufCMessagePointer) throws(RPCError) {
        let c = message.assumingMemoryBound(to: Skv__Mapreduce__TaskAssignment.self).pointee
        self.init(
            kind: TaskKind(rawValue: Int32(truncatingIfNeeded: c.kind.rawValue)),
            taskNumber: c.task_number,
            inputFile: try ProtobufCField.string(c.input_file),
            mapCount: c.map_count,
            reduceCount: c.reduce_count,
            attempt: c.attempt)
    }
}
