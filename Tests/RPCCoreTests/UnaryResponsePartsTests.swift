import RPCCore
import Testing

/// `UnaryResponseParts` keeps the parts up to the one that decides a unary call's outcome and
/// drops the rest.
@Suite("Unary response parts")
struct UnaryResponsePartsTests {
    static let ok = Status.ok
    static let message = RPCResponsePart.message([1])

    /// Each script, the number of parts kept, and whether the response is complete after them.
    static let cases: [(String, [RPCResponsePart], kept: Int, complete: Bool)] = [
        ("metadata, message, status", [.metadata([:]), message, .status(ok, [:])], 3, true),
        ("trailers-only", [.status(ok, [:]), .metadata([:])], 1, true),
        ("message first", [message, .metadata([:]), .status(ok, [:])], 1, true),
        ("two messages", [.metadata([:]), message, message, message, .status(ok, [:])], 3, true),
        ("metadata twice", [.metadata([:]), .metadata([:]), message], 2, true),
        ("metadata after the message", [.metadata([:]), message, .metadata([:]), .status(ok, [:])], 3, true),
        ("no status yet", [.metadata([:]), message], 2, false),
        ("nothing yet", [], 0, false),
    ]

    @Test(arguments: 0..<cases.count)
    func keepsThePartsThatDecideTheOutcome(index: Int) {
        let (name, parts, kept, complete) = Self.cases[index]
        var response = UnaryResponseParts()
        var completedAt: Int?
        for (i, part) in parts.enumerated() where response.append(part) && completedAt == nil {
            completedAt = i
        }
        #expect(response.parts.count == kept, "\(name)")
        #expect(response.isComplete == complete, "\(name)")
        #expect(completedAt == (complete ? kept - 1 : nil), "\(name)")
    }
}
