/// What a person types into search (`agentctl search`, the console's search box), read into
/// words to look for and filters, and the words written as an SQLite FTS5 query that cannot be
/// anything but words (issue 20, docs/collaboration.md).
///
/// The grammar, by example:
///
///     invoice timeout                 both words (any order, anywhere)
///     "payment failed"                the phrase
///     invo*                           words starting with "invo"
///     refund OR chargeback            either word
///     timeout -retry                  timeout, and not retry
///     type:workflow,agent tag:billing status:failed since:7d team:payments workflow:support-triage
///
/// Filters compose with AND; `type` and `tag` take several values separated by commas (any of
/// them). Words are matched case-insensitively by the index; FTS5 operators typed as text
/// (`NEAR`, `^`, `:`, parentheses) are only words here.
public struct SearchQuery: Hashable, Sendable {
    public struct Term: Hashable, Sendable {
        public let text: String
        public let phrase: Bool
        public let prefix: Bool
        public let negated: Bool
        /// True when this term is OR-ed with the one before it.
        public let orWithPrevious: Bool
    }

    public enum Kind: String, CaseIterable, Hashable, Sendable {
        case workflow, agent, execution, comment
    }

    public var terms: [Term] = []
    public var kinds: Set<Kind> = []
    public var tags: [String] = []
    public var status: String?
    /// The window's start, resolved against the time given to `parse`.
    public var since: Instant?
    public var team: String?
    public var workflow: String?

    public static let maximumTerms = 32
    public static let maximumTermLength = 100
    public static let maximumLength = 1000
    static let statuses: Set<String> = ["queued", "running", "waiting", "succeeded", "failed", "cancelled",
                                        "deployed", "draft", "open", "resolved"]

    public struct Problem: Error, Hashable, Sendable, CustomStringConvertible {
        /// Where in the text (0-based character offset).
        public let position: Int
        public let message: String
        public var description: String { "at character \(position + 1): \(message)" }
    }

    /// Reads `text`; `now` resolves `since:7d`.
    public static func parse(_ text: String, now: Instant) throws(Problem) -> SearchQuery {
        guard text.count <= maximumLength else { throw Problem(position: maximumLength, message: "a search is at most \(maximumLength) characters") }
        var query = SearchQuery()
        var scanner = Scanner(Array(text))
        var orNext = false
        while let (start, token, quoted) = try scanner.next() {
            if !quoted, token == "OR" {
                guard let last = query.terms.last, !orNext else { throw Problem(position: start, message: "OR stands between two words") }
                guard !last.negated else { throw Problem(position: start, message: "OR cannot join an excluded word") }
                orNext = true
                continue
            }
            if !quoted, let colon = token.firstIndex(of: ":"), colon > token.startIndex, !token.hasPrefix("-") {
                let field = String(token[..<colon]).lowercased(), value = String(token[token.index(after: colon)...])
                guard !orNext else { throw Problem(position: start, message: "OR stands between two words, not before a filter") }
                try query.apply(field: field, value: value, at: start, now: now)
                continue
            }
            var word = token[...]
            var negated = false
            if !quoted, word.hasPrefix("-"), word.count > 1 {
                negated = true
                word = word.dropFirst()
            }
            var prefix = false
            if !quoted, word.hasSuffix("*"), word.count > 1 {
                prefix = true
                word = word.dropLast()
            }
            guard word.count <= maximumTermLength else { throw Problem(position: start, message: "a word is at most \(maximumTermLength) characters") }
            guard !word.isEmpty else { continue }
            if orNext && negated { throw Problem(position: start, message: "OR cannot join an excluded word") }
            query.terms.append(Term(text: String(word), phrase: quoted, prefix: prefix, negated: negated, orWithPrevious: orNext))
            orNext = false
            guard query.terms.count <= maximumTerms else { throw Problem(position: start, message: "a search has at most \(maximumTerms) words") }
        }
        if orNext { throw Problem(position: text.count, message: "OR stands between two words") }
        if !query.terms.isEmpty, query.terms.allSatisfy(\.negated) {
            throw Problem(position: 0, message: "give at least one word to look for besides the excluded ones")
        }
        return query
    }

    mutating func apply(field: String, value: String, at position: Int, now: Instant) throws(Problem) {
        guard !value.isEmpty else { throw Problem(position: position, message: "`\(field):` needs a value") }
        switch field {
        case "type":
            for name in value.split(separator: ",") {
                guard let kind = Kind(rawValue: name.lowercased()) else {
                    throw Problem(position: position, message: "type is one of \(Kind.allCases.map(\.rawValue).joined(separator: ", ")); got `\(name)`")
                }
                kinds.insert(kind)
            }
        case "tag":
            tags += value.split(separator: ",").map { String($0) }
        case "status":
            guard Self.statuses.contains(value.lowercased()) else {
                throw Problem(position: position, message: "status is one of \(Self.statuses.sorted().joined(separator: ", ")); got `\(value)`")
            }
            status = value.lowercased()
        case "since":
            guard let instant = TimeFilter.instant(value, now: now) else {
                throw Problem(position: position, message: "since is a duration back from now like 7d or 12h, or an RFC 3339 time; got `\(value)`")
            }
            since = instant
        case "team":
            team = value
        case "workflow":
            workflow = value
        default:
            throw Problem(position: position, message: "`\(field):` is not a filter; filters are type, tag, status, since, team and workflow")
        }
    }

    /// The words as an FTS5 MATCH expression, or nil when there are none (filters only). Each
    /// word is an FTS5 string (its quotes doubled), so nothing typed is read as FTS5 syntax.
    /// Words joined by OR are grouped, as people mean them: FTS5's AND binds tighter than OR.
    public var matchExpression: String? {
        var groups: [[Term]] = []
        for term in terms where !term.negated {
            if term.orWithPrevious, !groups.isEmpty { groups[groups.count - 1].append(term) } else { groups.append([term]) }
        }
        guard !groups.isEmpty else { return nil }
        let out = groups.map { group in
            group.count == 1 ? Self.quoted(group[0]) : "(" + group.map(Self.quoted).joined(separator: " OR ") + ")"
        }.joined(separator: " AND ")
        let excluded = terms.filter(\.negated)
        guard !excluded.isEmpty else { return out }
        return "(" + out + ") NOT (" + excluded.map(Self.quoted).joined(separator: " OR ") + ")"
    }

    static func quoted(_ term: Term) -> String {
        "\"" + term.text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\"" + (term.prefix ? " *" : "")
    }
}

/// Splits a search into tokens: runs of non-space characters, or "quoted phrases" (a quote
/// inside a phrase is written twice).
struct Scanner {
    let characters: [Character]
    var index = 0

    init(_ characters: [Character]) { self.characters = characters }

    /// The next token's start, its text, and whether it was quoted; nil at the end.
    mutating func next() throws(SearchQuery.Problem) -> (Int, String, Bool)? {
        while index < characters.count, characters[index].isWhitespace { index += 1 }
        guard index < characters.count else { return nil }
        let start = index
        if characters[index] == "\"" {
            index += 1
            var text = ""
            while true {
                guard index < characters.count else { throw SearchQuery.Problem(position: start, message: "the phrase has no closing quote") }
                if characters[index] == "\"" {
                    if index + 1 < characters.count, characters[index + 1] == "\"" {
                        text.append("\"")
                        index += 2
                        continue
                    }
                    index += 1
                    return (start, text, true)
                }
                text.append(characters[index])
                index += 1
            }
        }
        var text = ""
        while index < characters.count, !characters[index].isWhitespace {
            text.append(characters[index])
            index += 1
        }
        return (start, text, false)
    }
}
