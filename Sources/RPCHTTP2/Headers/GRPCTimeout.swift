/// The `grpc-timeout` header: at most 8 ASCII digits followed by a unit
/// (`H` hours, `M` minutes, `S` seconds, `m` milliseconds, `u` microseconds, `n` nanoseconds).
enum GRPCTimeout {
    static let maxDigits = 8

    /// Parses a header value; `nil` if it is malformed.
    static func parse(_ value: String) -> Duration? {
        let utf8 = Array(value.utf8)
        guard utf8.count >= 2, utf8.count <= maxDigits + 1 else { return nil }
        var amount: Int64 = 0
        for byte in utf8.dropLast() {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            amount = amount * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        switch utf8.last! {
        case UInt8(ascii: "H"): return .seconds(amount * 3600)
        case UInt8(ascii: "M"): return .seconds(amount * 60)
        case UInt8(ascii: "S"): return .seconds(amount)
        case UInt8(ascii: "m"): return .milliseconds(amount)
        case UInt8(ascii: "u"): return .microseconds(amount)
        case UInt8(ascii: "n"): return .nanoseconds(amount)
        default: return nil
        }
    }

    /// Encodes a duration with the finest unit whose amount fits in 8 digits (rounding up, so
    /// the server never sees a shorter deadline than the client's). Negative durations encode
    /// as `0n`.
    static func encode(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return "0n" }
        let nanos = (Double(seconds) * 1e9 + Double(attoseconds) / 1e9).rounded(.up)
        for (scale, unit) in units {
            let amount = (nanos / scale).rounded(.up)
            if amount <= maxAmount { return "\(Int64(amount))\(unit)" }
        }
        return "99999999H"
    }

    /// The largest amount of any unit (8 digits).
    private static let maxAmount = 99_999_999.0
    /// Each unit's length in nanoseconds, finest first (a table, not a literal built per call:
    /// every call with a deadline encodes one).
    private static let units: [(Double, Character)] = [
        (1, "n"), (1e3, "u"), (1e6, "m"), (1e9, "S"), (60e9, "M"), (3600e9, "H"),
    ]
}
