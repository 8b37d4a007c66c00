import Foundation

/// An org's own kind of personal data, found by a regular expression (an employee number, a
/// customer reference). Masked as `[NAME]` and counted under its name.
///
/// Patterns run over every payload the policy covers, so `validate` refuses what could make
/// that slow or useless: more than `maximumLength` characters, a pattern that does not compile
/// (ICU syntax, as NSRegularExpression takes it), one that matches the empty text, and the
/// shapes that backtrack exponentially (see `catastrophicShape`).
public struct CustomPIIPattern: Sendable, Hashable, Codable {
    public let name: String
    public let regex: String

    /// Unchecked: for patterns read back from storage, checked when they were set.
    public init(name: String, regex: String) {
        self.name = name
        self.regex = regex
    }

    public static let maximumLength = 200
    public static let maximumCount = 20

    /// A pattern checked by `validate`.
    public static func validate(name: String, regex: String) -> Result<CustomPIIPattern, PrivacyProblem> {
        if let problem = nameProblem(name) { return .failure(PrivacyProblem(.patternName, problem)) }
        guard !regex.isEmpty else { return .failure(PrivacyProblem(.patternInvalid, "pattern \(name) is empty")) }
        guard regex.count <= maximumLength else {
            return .failure(PrivacyProblem(.patternInvalid, "pattern \(name) has \(regex.count) characters; at most \(maximumLength)"))
        }
        if let shape = catastrophicShape(regex) {
            return .failure(PrivacyProblem(.patternCatastrophic, "pattern \(name) \(shape), which can take exponential time on a long text; "
                                           + "write it without nesting unbounded repetition"))
        }
        guard let compiled = try? NSRegularExpression(pattern: regex) else {
            return .failure(PrivacyProblem(.patternInvalid, "pattern \(name) is not a valid regular expression"))
        }
        // A pattern that matches nothing at all would mask between every character.
        for probe in ["", "x", " "] where compiled.firstMatch(in: probe, range: NSRange(location: 0, length: (probe as NSString).length)).map({ $0.range.length == 0 }) == true {
            return .failure(PrivacyProblem(.patternInvalid, "pattern \(name) matches the empty text; it must match at least one character"))
        }
        return .success(CustomPIIPattern(name: name, regex: regex))
    }

    /// 1-40 of a-z, 0-9 and _, starting with a letter; not a built-in kind's name nor `custom`
    /// (counts are kept by name, and must not mix).
    public static func nameProblem(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        let valid = (1...40).contains(bytes.count) && (0x61...0x7A).contains(bytes[0])
            && bytes.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
        guard valid else { return "pattern names are 1-40 characters of a-z, 0-9 and _, starting with a letter" }
        if PIIKind(rawValue: name) != nil || name == PIIKindSelection.customName {
            return "\(name) is a built-in kind's name; name the pattern after what it finds (employee_id)"
        }
        return nil
    }

    /// What makes a pattern backtrack exponentially, as a phrase, or nil: a group that holds an
    /// unbounded repetition and is itself repeated (`(a+)+`, `(\w*x)*`, `(a|b+){2,}`), and
    /// back-references. A heuristic over the pattern's text: it refuses the classic shapes,
    /// not every slow pattern (overlapping alternatives under a star, `(a|a)*`, pass).
    public static func catastrophicShape(_ regex: String) -> String? {
        let characters = Array(regex)
        // One entry per open group: whether it holds an unbounded repetition so far.
        var groups: [Bool] = []
        var index = 0
        /// The quantifier starting at `at`: its length and whether it is unbounded (`*`, `+`,
        /// `{n,}`) or repeats more than once (`{n,m}` with m > 1).
        func quantifier(at at: Int) -> (length: Int, repeats: Bool)? {
            guard at < characters.count else { return nil }
            var length: Int
            var repeats: Bool
            switch characters[at] {
            case "*", "+": (length, repeats) = (1, true)
            case "?": (length, repeats) = (1, false)
            case "{":
                guard let close = characters[at...].firstIndex(of: "}") else { return nil }
                let body = String(characters[(at + 1)..<close])
                let parts = body.split(separator: ",", omittingEmptySubsequences: false)
                guard (1...2).contains(parts.count), parts.allSatisfy({ $0.allSatisfy(\.isNumber) }), !parts[0].isEmpty else { return nil }
                length = close - at + 1
                repeats = parts.count == 2 ? (parts[1].isEmpty || (Int(parts[1]) ?? 0) > 1) : (Int(parts[0]) ?? 0) > 1
            default: return nil
            }
            // A lazy or possessive marker belongs to it.
            if at + length < characters.count, characters[at + length] == "?" || characters[at + length] == "+" { length += 1 }
            return (length, repeats)
        }
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "\\":
                if index + 1 < characters.count, characters[index + 1].isNumber, characters[index + 1] != "0" {
                    return "uses a back-reference (\\\(characters[index + 1]))"
                }
                if index + 1 < characters.count, characters[index + 1] == "k" { return "uses a back-reference (\\k)" }
                index += 2
                if let (length, repeats) = quantifier(at: index) {
                    if repeats, !groups.isEmpty { groups[groups.count - 1] = true }
                    index += length
                }
            case "[":
                // A class is one character: skip to its end (a `]` first in it is literal).
                var end = index + 1
                if end < characters.count, characters[end] == "^" { end += 1 }
                if end < characters.count, characters[end] == "]" { end += 1 }
                while end < characters.count, characters[end] != "]" { end += characters[end] == "\\" ? 2 : 1 }
                index = end + 1
                if let (length, repeats) = quantifier(at: index) {
                    if repeats, !groups.isEmpty { groups[groups.count - 1] = true }
                    index += length
                }
            case "(":
                groups.append(false)
                index += 1
            case ")":
                let inner = groups.popLast() ?? false
                index += 1
                if let (length, repeats) = quantifier(at: index) {
                    if repeats, inner { return "repeats a group that holds an unbounded repetition" }
                    if (repeats || inner), !groups.isEmpty { groups[groups.count - 1] = true }
                    index += length
                } else if inner, !groups.isEmpty {
                    groups[groups.count - 1] = true
                }
            default:
                index += 1
                if let (length, repeats) = quantifier(at: index) {
                    if repeats, !groups.isEmpty { groups[groups.count - 1] = true }
                    index += length
                }
            }
        }
        return nil
    }
}
