/// Parses the bounded regex dialect `regex_match` accepts:
///
/// - literals, `.` (any scalar but a line feed), `^` (start of input), `$` (end of input)
/// - classes `[a-z0-9_]`, negated `[^,;]`; inside a class `\d \w \s` and escaped punctuation
/// - escapes `\d \w \s \D \W \S`, `\n \t \r \f \v`, and `\` before any ASCII punctuation or a
///   space for the character itself (`\.`, `\(`, `\\`)
/// - groups `( … )` (they only group; nothing is captured), alternation `|`
/// - quantifiers `* + ? {m} {m,} {m,n}` with m, n ≤ 100; one quantifier per atom (no lazy `*?`)
///
/// Group nesting is limited to 64, so parsing recurses at most that deep; the caller limits the
/// pattern's length.
struct RegexParser {
    static let maxRepeat = 100
    static let maxGroupDepth = 64

    private let pattern: [Unicode.Scalar]
    private var position = 0
    private var depth = 0

    init(pattern: [Unicode.Scalar]) {
        self.pattern = pattern
    }

    /// Throws only `RegexSyntaxError`.
    mutating func parse() throws -> RegexNode {
        let node = try parseAlternation()
        if position < pattern.count {
            // parseAlternation stops only at the end or at a ')' that no '(' opened.
            throw RegexSyntaxError("unmatched ')'", at: position)
        }
        return node
    }

    private mutating func parseAlternation() throws -> RegexNode {
        let first = try parseConcatenation()
        var branches = [first]
        while position < pattern.count, pattern[position] == "|" {
            position += 1
            let branch = try parseConcatenation()
            branches.append(branch)
        }
        return branches.count == 1 ? first : .alternation(branches)
    }

    private mutating func parseConcatenation() throws -> RegexNode {
        var items: [RegexNode] = []
        while position < pattern.count, pattern[position] != "|", pattern[position] != ")" {
            let atom = try parseAtom()
            let item = try parseQuantifier(on: atom)
            items.append(item)
        }
        if items.isEmpty { return .empty }
        return items.count == 1 ? items[0] : .concatenation(items)
    }

    private mutating func parseAtom() throws -> RegexNode {
        let start = position
        let scalar = pattern[position]
        position += 1
        switch scalar {
        case "(":
            depth += 1
            guard depth <= Self.maxGroupDepth else {
                throw RegexSyntaxError("groups nest more than \(Self.maxGroupDepth) deep", at: start)
            }
            if position < pattern.count, pattern[position] == "?" {
                throw RegexSyntaxError("'(?' groups are not supported; use plain ( )", at: start)
            }
            let inner = try parseAlternation()
            guard position < pattern.count, pattern[position] == ")" else {
                throw RegexSyntaxError("missing ')' for this '('", at: start)
            }
            position += 1
            depth -= 1
            return inner
        case ".":
            return .any
        case "^":
            return .start
        case "$":
            return .end
        case "[":
            let set = try parseClass(openedAt: start)
            return .set(set)
        case "\\":
            let escape = try parseEscape(at: start)
            switch escape {
            case .scalar(let value):
                return .scalar(value)
            case .set(let ranges, let negated):
                return .set(RegexCharacterSet(ranges: ranges, negated: negated))
            }
        case "*", "+", "?", "{":
            throw RegexSyntaxError("nothing to repeat before '\(Character(scalar))'", at: start)
        default:
            return .scalar(scalar)
        }
    }

    private mutating func parseQuantifier(on atom: RegexNode) throws -> RegexNode {
        guard position < pattern.count else { return atom }
        let start = position
        let node: RegexNode
        switch pattern[position] {
        case "*":
            position += 1
            node = .repetition(atom, minimum: 0, maximum: nil)
        case "+":
            position += 1
            node = .repetition(atom, minimum: 1, maximum: nil)
        case "?":
            position += 1
            node = .repetition(atom, minimum: 0, maximum: 1)
        case "{":
            position += 1
            let minimum = try parseCount()
            var maximum: Int? = minimum
            if position < pattern.count, pattern[position] == "," {
                position += 1
                if position < pattern.count, pattern[position] == "}" {
                    maximum = nil
                } else {
                    maximum = try parseCount()
                }
            }
            guard position < pattern.count, pattern[position] == "}" else {
                throw RegexSyntaxError("a {m,n} quantifier is not closed with '}'", at: start)
            }
            position += 1
            if let maximum, maximum < minimum {
                throw RegexSyntaxError("in {m,n}, m must not be larger than n", at: start)
            }
            node = .repetition(atom, minimum: minimum, maximum: maximum)
        default:
            return atom
        }
        if position < pattern.count, Self.isQuantifier(pattern[position]) {
            throw RegexSyntaxError("a quantifier cannot follow another quantifier (lazy or possessive forms are not supported)",
                                   at: position)
        }
        return node
    }

    private mutating func parseCount() throws -> Int {
        let start = position
        var value = 0
        while position < pattern.count, let digit = Self.digitValue(pattern[position]) {
            value = value * 10 + digit
            position += 1
            if value > Self.maxRepeat {
                throw RegexSyntaxError("repetition counts are at most \(Self.maxRepeat)", at: start)
            }
        }
        guard position > start else { throw RegexSyntaxError("expected a number in {m,n}", at: start) }
        return value
    }

    private mutating func parseClass(openedAt start: Int) throws -> RegexCharacterSet {
        var negated = false
        if position < pattern.count, pattern[position] == "^" {
            negated = true
            position += 1
        }
        var ranges: [ClosedRange<UInt32>] = []
        var closed = false
        while !closed {
            guard position < pattern.count else { throw RegexSyntaxError("missing ']' for this '['", at: start) }
            let itemStart = position
            let scalar = pattern[position]
            position += 1
            if scalar == "]" {
                guard !ranges.isEmpty else { throw RegexSyntaxError("empty character class", at: start) }
                closed = true
                continue
            }
            let low: UInt32
            if scalar == "\\" {
                let escape = try parseEscape(at: itemStart)
                switch escape {
                case .scalar(let value):
                    low = value.value
                case .set(let shorthand, let negatedShorthand):
                    guard !negatedShorthand else {
                        throw RegexSyntaxError("\\D, \\W and \\S cannot be used inside [ ]", at: itemStart)
                    }
                    ranges.append(contentsOf: shorthand)
                    continue
                }
            } else {
                low = scalar.value
            }
            // A range `a-z`; a '-' just before ']' is a literal '-'.
            guard position + 1 < pattern.count, pattern[position] == "-", pattern[position + 1] != "]" else {
                ranges.append(low...low)
                continue
            }
            position += 1
            let highStart = position
            let highScalar = pattern[position]
            position += 1
            let high: UInt32
            if highScalar == "\\" {
                let escape = try parseEscape(at: highStart)
                guard case .scalar(let value) = escape else {
                    throw RegexSyntaxError("a class shorthand cannot end a range", at: highStart)
                }
                high = value.value
            } else {
                high = highScalar.value
            }
            guard low <= high else { throw RegexSyntaxError("range out of order", at: itemStart) }
            ranges.append(low...high)
        }
        return RegexCharacterSet(ranges: ranges, negated: negated)
    }

    private enum Escape {
        case scalar(Unicode.Scalar)
        case set([ClosedRange<UInt32>], negated: Bool)
    }

    /// Reads what follows a backslash (already consumed) that started at `start`.
    private mutating func parseEscape(at start: Int) throws -> Escape {
        guard position < pattern.count else { throw RegexSyntaxError("the pattern ends with '\\'", at: start) }
        let scalar = pattern[position]
        position += 1
        switch scalar {
        case "d": return .set(RegexCharacterSet.digitRanges, negated: false)
        case "D": return .set(RegexCharacterSet.digitRanges, negated: true)
        case "w": return .set(RegexCharacterSet.wordRanges, negated: false)
        case "W": return .set(RegexCharacterSet.wordRanges, negated: true)
        case "s": return .set(RegexCharacterSet.spaceRanges, negated: false)
        case "S": return .set(RegexCharacterSet.spaceRanges, negated: true)
        case "n": return .scalar("\n")
        case "t": return .scalar("\t")
        case "r": return .scalar("\r")
        case "f": return .scalar("\u{0C}")
        case "v": return .scalar("\u{0B}")
        default:
            let value = scalar.value
            let isPunctuation = (value >= 0x20 && value <= 0x2F) || (value >= 0x3A && value <= 0x40)
                || (value >= 0x5B && value <= 0x60) || (value >= 0x7B && value <= 0x7E)
            guard isPunctuation else {
                throw RegexSyntaxError("unsupported escape '\\\(Character(scalar))'", at: start)
            }
            return .scalar(scalar)
        }
    }

    private static func isQuantifier(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "*" || scalar == "+" || scalar == "?" || scalar == "{"
    }

    private static func digitValue(_ scalar: Unicode.Scalar) -> Int? {
        scalar.value >= 0x30 && scalar.value <= 0x39 ? Int(scalar.value - 0x30) : nil
    }
}
