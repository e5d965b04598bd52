import Raft
@testable import RaftRuntime
import RPCCore
import RPCProtobuf
import Testing

/// Raft messages survive the protobuf-c round trip field for field; malformed bytes are
/// rejected with an error, not a crash.
@Suite struct WireTests {
    @Test func stepRequestRoundTrips() throws {
        let snapshot = Snapshot(metadata: .init(index: 9, term: 3, voters: [1, 2, 3]), data: Array("state".utf8))
        let messages = [
            Message(type: .appendEntries, from: 1, to: 2, term: 4, logTerm: 3, index: 7,
                    entries: [Entry(term: 4, index: 8, data: [1, 2]), Entry(term: 4, index: 9, kind: .noop)],
                    commit: 6, context: [9]),
            Message(type: .appendEntriesResponse, from: 2, to: 1, term: 4, logTerm: 2, index: 5, reject: true, rejectHint: 4),
            Message(type: .installSnapshot, from: 1, to: 3, term: 4, snapshot: snapshot),
            Message(type: .readIndexResponse, from: 1, to: 2, term: 4, index: 12, context: Array("req-1".utf8)),
        ]
        let bytes = try ProtobufSerializer<StepRequest>().serialize(StepRequest(messages: messages))
        let decoded = try ProtobufDeserializer<StepRequest>().deserialize(bytes)
        #expect(decoded.messages == messages)
    }

    @Test func everyMessageKindHasAWireNumber() throws {
        for kind in WireMessage.kinds {
            let message = Message(type: kind, from: 1, to: 2, term: 1)
            let bytes = try ProtobufSerializer<StepResponse>().serialize(StepResponse(messages: [message]))
            #expect(try ProtobufDeserializer<StepResponse>().deserialize(bytes).messages == [message])
        }
    }

    @Test func persistentStateRoundTrips() throws {
        let state = PersistentState(
            hardState: HardState(term: 5, vote: 2, commit: 11),
            entries: (12...14).map { Entry(term: 5, index: UInt64($0), data: [UInt8($0)]) },
            snapshot: .init(index: 11, term: 4, voters: [1, 2, 3]))
        let bytes = try ProtobufSerializer<PersistentState>().serialize(state)
        let decoded = try ProtobufDeserializer<PersistentState>().deserialize(bytes)
        #expect(decoded.hardState == state.hardState)
        #expect(decoded.entries == state.entries)
        #expect(decoded.snapshot == state.snapshot)
    }

    /// The snapshot file's chunks (packed metadata with the data's field header, then the data
    /// itself) are, joined, exactly what protobuf-c packs, at every length of the length varint.
    @Test(arguments: [0, 1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152])
    func snapshotChunksPackAsProtobufC(dataBytes: Int) throws {
        let data = (0..<dataBytes).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let snapshot = Snapshot(
            metadata: .init(index: 9, term: 3, confState: ConfState(voters: [1, 2, 3]), context: [4]), data: data)
        let chunks = WireSnapshot.encodedChunks(snapshot)
        #expect(chunks.count == (dataBytes == 0 ? 1 : 2))
        #expect(Array(chunks.joined()) == (try ProtobufSerializer<WireSnapshot>().serialize(WireSnapshot(snapshot))))
    }

    /// A snapshot's membership (joint, learners, auto-leave, promotion) survives the wire and
    /// the snapshot file; a configuration-change entry keeps its kind and payload.
    @Test func membershipRoundTrips() throws {
        let confState = ConfState(
            voters: [1, 4, 5], votersOutgoing: [1, 2, 3], learners: [6, 7], learnersNext: [2], autoLeave: true,
            autoPromote: [7])
        let context = AddressBook(initialVoters: [1, 2, 3], addresses: [6: "h:6"], removed: [2], index: 39).encoded()
        let snapshot = Snapshot(metadata: .init(index: 40, term: 6, confState: confState, context: context), data: [1])
        let bytes = try ProtobufSerializer<WireSnapshot>().serialize(WireSnapshot(snapshot))
        #expect(try ProtobufDeserializer<WireSnapshot>().deserialize(bytes).snapshot == snapshot)
        let change = ConfChangeEntry(change: ConfChange([.init(.addLearner, 6)]), result: confState)
        let entry = Entry(term: 6, index: 41, kind: .configChange, data: change.encoded())
        let message = Message(type: .appendEntries, from: 1, to: 6, term: 6, logTerm: 6, index: 40, entries: [entry])
        let stepBytes = try ProtobufSerializer<StepRequest>().serialize(StepRequest(messages: [message]))
        #expect(try ProtobufDeserializer<StepRequest>().deserialize(stepBytes).messages == [message])
    }

    @Test func malformedBytesAreRejected() {
        #expect(throws: RPCError.self) { try ProtobufDeserializer<StepRequest>().deserialize([0x0a, 0x05, 0x08]) }
        // An unknown message type number.
        #expect(throws: RPCError.self) { try ProtobufDeserializer<StepRequest>().deserialize([0x0a, 0x02, 0x08, 0x63]) }
    }

    /// A peer's term or index past `RaftLimits.maxTermOrIndex` would make the receiving node
    /// trap on `term + 1` at its next election (as the `storage` fuzz target found for the
    /// hard state on disk): the decoder refuses it.
    @Test func termsAndIndexesBeyondTheLimitAreRejected() throws {
        let limit = RaftLimits.maxTermOrIndex
        let fine = StepRequest(messages: [Message(type: .heartbeat, from: 1, to: 2, term: limit, commit: limit)])
        let bytes = try ProtobufSerializer<StepRequest>().serialize(fine)
        #expect(try ProtobufDeserializer<StepRequest>().deserialize(bytes).messages == fine.messages)
        let hostile = [
            Message(type: .heartbeat, from: 1, to: 2, term: .max),
            Message(type: .appendEntries, from: 1, to: 2, term: 1, index: limit + 1),
            Message(type: .appendEntries, from: 1, to: 2, term: 1, entries: [Entry(term: .max, index: 1)]),
            Message(
                type: .installSnapshot, from: 1, to: 2, term: 1,
                snapshot: Snapshot(metadata: .init(index: .max, term: 1, voters: [1]))),
        ]
        for message in hostile {
            let bytes = try ProtobufSerializer<StepRequest>().serialize(StepRequest(messages: [message]))
            #expect(throws: RPCError.self) { try ProtobufDeserializer<StepRequest>().deserialize(bytes) }
        }
        let state = PersistentState(hardState: HardState(term: .max), entries: [], snapshot: .init())
        let stateBytes = try ProtobufSerializer<PersistentState>().serialize(state)
        #expect(throws: RPCError.self) { try ProtobufDeserializer<PersistentState>().deserialize(stateBytes) }
    }
}
