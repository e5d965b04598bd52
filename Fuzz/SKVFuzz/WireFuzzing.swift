import KVRaft
import MapReduce
import RPCCore
import RPCProtobuf
import RSM
import RaftRuntime
import ShardController
import ShardKV

/// Fuzzing of the protobuf-c decoders (`Wire/` conformances) and of the state machines that
/// decode commands and snapshots from the replicated log.
///
/// An input is one selector byte (which message or entry point, modulo the family's count)
/// followed by the bytes handed to it. Oracles: a decoder either throws or returns a value
/// that serializes, decodes again to the same value, and serializes to the same bytes; a
/// state machine restores a snapshot or throws, and what it restored snapshots and restores
/// again identically. Anything else traps, which libFuzzer reports as a crash.
enum WireFuzzing {
    static func raft(_ input: [UInt8]) {
        dispatch(input, [
            { roundTrip(StepRequest.self, $0, same: { $0.messages == $1.messages }) },
            { roundTrip(StepResponse.self, $0, same: { $0.messages == $1.messages }) },
            {
                roundTrip(PersistentState.self, $0) {
                    $0.hardState == $1.hardState && $0.entries == $1.entries && $0.snapshot == $1.snapshot
                }
            },
            { roundTrip(ListMembersRequest.self, $0) }, { roundTrip(MembershipChangeRequest.self, $0) },
            { roundTrip(MembershipReply.self, $0) },
            { bytes in
                // A decoded chunk is also fed to InstallSnapshot's assembly: refused or taken, never a trap.
                guard roundTrip(SnapshotChunk.self, bytes),
                    let chunk = try? ProtobufDeserializer<SnapshotChunk>().deserialize(bytes)
                else { return }
                var assembly = SnapshotAssembly(maxBytes: 1 << 20)
                if (try? assembly.append(chunk)) != nil { _ = try? assembly.finish() }
            },
        ])
    }

    static func kv(_ input: [UInt8]) {
        dispatch(input, [
            { roundTrip(GetRequest.self, $0) }, { roundTrip(GetReply.self, $0) },
            { roundTrip(PutRequest.self, $0) }, { roundTrip(AppendRequest.self, $0) },
            { roundTrip(DeleteRequest.self, $0) }, { roundTrip(WriteReply.self, $0) },
            { roundTrip(CompareAndSwapRequest.self, $0) }, { roundTrip(CompareAndSwapReply.self, $0) },
            { roundTrip(StatusRequest.self, $0) }, { roundTrip(StatusReply.self, $0) },
            { roundTrip(KVCommand.self, $0) }, { roundTrip(KVCommandResult.self, $0) },
            { roundTrip(KVStateSnapshot.self, $0) },
            { stateMachine(KVStateMachine(), $0, probes: SeedCorpus.kvCommands) },
        ])
    }

    static func shardCtrler(_ input: [UInt8]) {
        dispatch(input, [
            { roundTrip(JoinRequest.self, $0) }, { roundTrip(LeaveRequest.self, $0) },
            { roundTrip(MoveRequest.self, $0) }, { roundTrip(QueryRequest.self, $0) },
            { roundTrip(QueryReply.self, $0) }, { roundTrip(ChangeReply.self, $0) },
            { roundTrip(ShardConfig.self, $0) }, { roundTrip(ShardCtrlerCommand.self, $0) },
            { roundTrip(ShardCtrlerCommandResult.self, $0) }, { roundTrip(ShardCtrlerStateSnapshot.self, $0) },
            { stateMachine(ShardCtrlerStateMachine(), $0, probes: SeedCorpus.shardCtrlerCommands) },
        ])
    }

    static func shardKV(_ input: [UInt8]) {
        dispatch(input, [
            { roundTrip(ShardKVGetRequest.self, $0) }, { roundTrip(ShardKVGetReply.self, $0) },
            { roundTrip(ShardKVPutRequest.self, $0) }, { roundTrip(ShardKVAppendRequest.self, $0) },
            { roundTrip(ShardKVDeleteRequest.self, $0) }, { roundTrip(ShardKVWriteReply.self, $0) },
            { roundTrip(ShardKVStatusRequest.self, $0) }, { roundTrip(ShardKVStatusReply.self, $0) },
            { roundTrip(PullShardsRequest.self, $0) }, { roundTrip(PullShardsReply.self, $0) },
            { roundTrip(DeleteShardsRequest.self, $0) }, { roundTrip(DeleteShardsReply.self, $0) },
            { roundTrip(ShardData.self, $0) }, { roundTrip(ShardKVCommand.self, $0) },
            { roundTrip(ShardKVCommandResult.self, $0) }, { roundTrip(ShardKVStateSnapshot.self, $0) },
            { stateMachine(ShardKVStateMachine(gid: 100), $0, probes: SeedCorpus.shardKVCommands) },
        ])
    }

    static func rsm(_ input: [UInt8]) {
        dispatch(input, [
            { roundTrip(Envelope.self, $0) }, { roundTrip(SessionRecord.self, $0) },
            { roundTrip(LeaderHint.self, $0) },
            { roundTrip(WireSession.self, $0, same: { $0.session == $1.session }) },
            { bytes in
                // What a replica does with a snapshot from the log: decode it, then rebuild
                // the session table (bounded) from its records.
                guard roundTrip(ServiceSnapshot.self, bytes),
                    let snapshot = try? ProtobufDeserializer<ServiceSnapshot>().deserialize(bytes)
                else { return }
                var sessions = SessionTable(maxSessions: 4)
                sessions.restore(snapshot.sessions)
                check(sessions.count <= 4, "the session table exceeds its bound after a restore")
                var again = SessionTable(maxSessions: 4)
                again.restore(sessions.sortedRecords)
                check(again == sessions, "a session table does not survive its own snapshot")
            },
            { bytes in
                // A restarting service's persisted Raft snapshot blob.
                guard let restored = try? RestoredSnapshot(persistedRaftSnapshot: bytes) else { return }
                check(restored.index > 0, "a restored snapshot has index 0")
            },
        ])
    }

    static func mapReduce(_ input: [UInt8]) {
        dispatch(input, [
            { roundTrip(TaskRequest.self, $0) }, { roundTrip(TaskAssignment.self, $0) },
            { roundTrip(TaskReport.self, $0) }, { roundTrip(TaskReportReply.self, $0) },
        ])
    }

    // MARK: Oracles

    /// Runs the entry point chosen by the first byte on the remaining bytes.
    private static func dispatch(_ input: [UInt8], _ entryPoints: [([UInt8]) -> Void]) {
        guard let selector = input.first else { return }
        entryPoints[Int(selector) % entryPoints.count](Array(input.dropFirst()))
    }

    /// Decodes `bytes` as `Message`; what decodes must re-encode to bytes that decode to an
    /// equal value and encode to the same bytes again. Returns whether `bytes` decoded.
    @discardableResult
    static func roundTrip<Message: ProtobufCConvertible & Equatable>(_ type: Message.Type, _ bytes: [UInt8]) -> Bool {
        roundTrip(type, bytes, same: ==)
    }

    @discardableResult
    static func roundTrip<Message: ProtobufCConvertible>(
        _ type: Message.Type, _ bytes: [UInt8], same: (Message, Message) -> Bool
    ) -> Bool {
        guard let value = try? ProtobufDeserializer<Message>().deserialize(bytes) else { return false }
        let encoded = mustSucceed("re-encode a decoded \(Message.self)") { () throws(RPCError) in
            try ProtobufSerializer<Message>().serialize(value)
        }
        let decoded = mustSucceed("decode a re-encoded \(Message.self)") { () throws(RPCError) in
            try ProtobufDeserializer<Message>().deserialize(encoded)
        }
        check(same(value, decoded), "\(Message.self) changed in a round trip")
        let again = mustSucceed("re-encode \(Message.self) twice") { () throws(RPCError) in
            try ProtobufSerializer<Message>().serialize(decoded)
        }
        check(again == encoded, "\(Message.self) encodes differently after a round trip")
        return true
    }

    /// Feeds `bytes` to a fresh state machine as a snapshot, a command and a query. A
    /// snapshot it accepts must snapshot and restore again to the same bytes, and the restored
    /// machine must then execute real commands (`probes`, encoded) and queries.
    static func stateMachine<Machine: StateMachine>(_ fresh: Machine, _ bytes: [UInt8], probes: [[UInt8]]) {
        var machine = fresh
        _ = machine.query(bytes)
        _ = machine.apply(bytes, index: 1)
        var restored = fresh
        guard (try? restored.restore(bytes)) != nil else { return }
        let snapshot = restored.snapshot()
        var again = fresh
        mustSucceed("restore a \(Machine.self) from its own snapshot") { try again.restore(snapshot) }
        check(again.snapshot() == snapshot, "\(Machine.self) snapshots differently after a restore")
        _ = restored.query(bytes)
        _ = restored.apply(bytes, index: 2)
        for (index, probe) in probes.enumerated() {
            _ = restored.query(probe)
            _ = restored.apply(probe, index: UInt64(index + 3))
        }
        mustSucceed("restore a \(Machine.self) from its snapshot after commands") { try again.restore(restored.snapshot()) }
    }
}

/// Traps with `message` (a finding) unless `condition` holds.
func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("fuzz oracle: \(message())") }
}

/// Runs `body`; an error is a finding (traps with `what` and the error).
@discardableResult
func mustSucceed<T, E: Error>(_ what: @autoclosure () -> String, _ body: () throws(E) -> T) -> T {
    do {
        return try body()
    } catch {
        fatalError("fuzz oracle: could not \(what()): \(error)")
    }
}
