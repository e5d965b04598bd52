/// Byte-wise ordering of strings by their UTF-8 encoding (Go's string order), which Swift's
/// own `<`/`==` (Unicode canonical equivalence) do not give.
public enum UTF8Order {
    /// Negative, zero or positive as `a` sorts before, equal to or after `b`.
    public static func compare(_ a: String, _ b: String) -> Int {
        // The UTF-8 view's iterator reads native (small or large) strings in place: no copy,
        // no retain, which matters because sorting calls this millions of times.
        var left = a.utf8.makeIterator()
        var right = b.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case let (x?, y?):
                if x != y { return x < y ? -1 : 1 }
            case (nil, nil):
                return 0
            case (nil, _?):
                return -1
            case (_?, nil):
                return 1
            }
        }
    }

    public static func less(_ a: String, _ b: String) -> Bool { compare(a, b) < 0 }

    /// `strings` sorted ascending by UTF-8 bytes.
    public static func sorted(_ strings: [String]) -> [String] { strings.sorted(by: less) }
}
