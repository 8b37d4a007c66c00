/// The few words of a found thing shown under it, the searched words between « and ».
///
/// Made here rather than by FTS5's `snippet()`: that function re-reads the row, seeks every
/// phrase of the query in the index again and tokenizes the text, about 1 ms a hit at a
/// million executions (search-bench), which twenty hits a page made the larger part of a
/// search's time. Words are matched as the index reads them: runs of letters and digits, case
/// folded; a prefix term (`invo*`) marks the words that start with it.
public enum SearchSnippet {
    /// Characters shown around the first match.
    public static let width = 160

    /// The snippet of the first of `texts` that holds a searched word; nil when none does.
    public static func make(_ texts: [String], terms: [SearchQuery.Term]) -> String? {
        let wanted = terms.filter { !$0.negated }.flatMap { term in
            words(in: term.text).map { (word: $0, prefix: term.prefix) }
        }
        guard !wanted.isEmpty else { return nil }
        for text in texts {
            let characters = Array(text.prefix(16_384))
            let found = spans(in: characters).filter { span in
                let word = String(characters[span]).lowercased()
                return wanted.contains { $0.prefix ? word.hasPrefix($0.word) : word == $0.word }
            }
            guard let first = found.first else { continue }
            // A window that starts a little before the first match, on a word's start.
            var start = max(0, first.lowerBound - width / 4)
            while start > 0, start < first.lowerBound, isWordCharacter(characters[start - 1]) { start += 1 }
            let end = min(characters.count, start + width)
            var out = start > 0 ? "…" : ""
            var index = start
            for span in found where span.lowerBound >= start && span.upperBound <= end {
                out += String(characters[index..<span.lowerBound]) + "«" + String(characters[span]) + "»"
                index = span.upperBound
            }
            out += String(characters[index..<end]) + (end < characters.count ? "…" : "")
            return String(out.map { $0 == "\n" || $0 == "\r" ? " " : $0 })
        }
        return nil
    }

    /// The lowercased words of `text`.
    static func words(in text: String) -> [String] {
        let characters = Array(text)
        return spans(in: characters).map { String(characters[$0]).lowercased() }
    }

    /// Where the words of `characters` are.
    static func spans(in characters: [Character]) -> [Range<Int>] {
        var spans: [Range<Int>] = []
        var start: Int?
        for (index, character) in characters.enumerated() {
            if isWordCharacter(character) {
                if start == nil { start = index }
            } else if let begun = start {
                spans.append(begun..<index)
                start = nil
            }
        }
        if let begun = start { spans.append(begun..<characters.count) }
        return spans
    }

    static func isWordCharacter(_ character: Character) -> Bool { character.isLetter || character.isNumber }
}
