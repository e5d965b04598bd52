import RPCCore
import RPCProtobuf
import Testing

@testable import RSM

/// skv.rsm messages round-trip, and malformed bytes are errors, never crashes.
@Suite struct WireTests {
    @Test func envelopeRoundTrips() throws {
        let envelope = Envelope(clientID: .max, sequence: 12, command: [0, 1, 2, 255])
        let bytes = try ProtobufSerializer<Envelope>().serialize(envelope)
        #expect(try ProtobufDeserializer<Envelope>().deserialize(bytes) == envelope)
        #expect(envelope.session == ClientSession(clientID: .max, sequence: 12))
        #expect(Envelope(clientID: 0, sequence: 3, command: []).session == nil)
    }

    @Test func serviceSnapshotRoundTrips() throws {
        let snapshot = ServiceSnapshot(
            sessions: [
                SessionRecord(clientID: 1, sequence: 2, reply: [3], lastIndex: 4),
                SessionRecord(clientID: 5, sequence: 6, reply: [], lastIndex: 8),
            ], state: Array(repeating: 7, count: 1000))
        let bytes = try ProtobufSerializer<ServiceSnapshot>().serialize(snapshot)
        #expect(try ProtobufDeserializer<ServiceSnapshot>().deserialize(bytes) == snapshot)
        #expect(try ProtobufSerializer<ServiceSnapshot>().serialize(ServiceSnapshot(sessions: [], state: [])) == [])
    }

    /// The state written in place after the packed sessions (``ProtobufTrailingBytesField``, as
    /// `ReplicatedStateMachine.makeSnapshot` does) gives exactly protobuf-c's bytes, at every
    /// length of the length varint and with a writer that reserves its own capacity.
    @Test(arguments: [0, 1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152])
    func stateWrittenInPlacePacksAsProtobufC(stateBytes: Int) throws {
        let sessions = [SessionRecord(clientID: 1, sequence: 2, reply: [3], lastIndex: 4)]
        let state = (0..<stateBytes).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let serializer = ProtobufSerializer<ServiceSnapshot>()
        let head = try serializer.serialize(ServiceSnapshot(sessions: sessions, state: []))
        let packed = try serializer.serialize(ServiceSnapshot(sessions: sessions, state: state))
        var inPlace = head
        ProtobufTrailingBytesField.append(field: ServiceSnapshot.stateField, to: &inPlace) { out in
            out.reserveCapacity(out.count + state.count)
            out.append(contentsOf: state)
        }
        #expect(inPlace == packed)
        let header = ProtobufTrailingBytesField.header(field: ServiceSnapshot.stateField, payloadBytes: state.count)
        #expect(head + header + state == packed)
    }

    @Test(arguments: [[0xFF], [0x0A, 0x05, 0x01], [0x1A, 0x80], [0x08]] as [[UInt8]])
    func malformedBytesAreInvalidArgument(_ bytes: [UInt8]) {
        #expect(throws: RPCError.self) { try ProtobufDeserializer<Envelope>().deserialize(bytes) }
        #expect(throws: RPCError.self) { try ProtobufDeserializer<ServiceSnapshot>().deserialize(bytes) }
    }
}
