internal import Glibc

/// Byte-wise ordering of strings by their UTF-8 encoding (Go's string order), which Swift's
/// own `<`/`==` (Unicode canonical equivalence) do not give.
public enum UTF8Order {
    /// Negative, zero or positive as `a` sorts before, equal to or after `b`.
    public static func compare(_ a: String, _ b: String) -> Int {
        var a = a
        var b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let common = min(x.count, y.count)
                if common > 0 {
                    let order = memcmp(x.baseAddress!, y.baseAddress!, common)
                    if order != 0 { return Int(order) }
                }
                return x.count - y.count
            }
        }
    }

    public static func less(_ a: String, _ b: String) -> Bool { compare(a, b) < 0 }

    /// `strings` sorted ascending by UTF-8 bytes.
    public static func sorted(_ strings: [String]) -> [String] { strings.sorted(by: less) }
}
