/// Splits text into words the way the lab's apps do (Go's
/// `strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })`): a word is a
/// maximal run of Unicode scalars whose general category is a letter (Lu, Ll, Lt, Lm, Lo);
/// every other scalar (digits, punctuation, spaces, combining marks, U+FFFD) separates words.
///
/// Works on Unicode scalars (Go's runes), not on Swift `Character`s (grapheme clusters), so
/// "e\u{301}" is the word "e" followed by a separator, exactly as in Go.
public enum WordSplitter {
    public static func words(in text: String) -> [String] {
        var words: [String] = []
        let scalars = text.unicodeScalars
        var start: String.UnicodeScalarView.Index? = nil
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let letter = isLetter(scalars[index])
            if letter, start == nil {
                start = index
            } else if !letter, let first = start {
                words.append(String(scalars[first..<index]))
                start = nil
            }
            index = scalars.index(after: index)
        }
        if let first = start { words.append(String(scalars[first..<scalars.endIndex])) }
        return words
    }

    /// Go's `unicode.IsLetter`: general category L*.
    public static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let value = scalar.value | 0x20  // folds A-Z onto a-z
            return value >= 0x61 && value <= 0x7a
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return true
        default:
            return false
        }
    }
}
