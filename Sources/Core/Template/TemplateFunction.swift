/// The fixed set of functions a template may call. Names are resolved to a case when the
/// template is parsed: an unknown name or a wrong number of arguments is a parse error, so a
/// stored workflow never fails later for either.
enum TemplateFunction: String, CaseIterable, Sendable {
    case length
    case lower
    case upper
    case trim
    case join
    case split
    case json
    case defaultValue = "default"
    case coalesce
    case now
    case formatDate = "format_date"
    case contains
    case startsWith = "starts_with"
    case endsWith = "ends_with"
    case regexMatch = "regex_match"
    case secret

    var minimumArguments: Int {
        switch self {
        case .now: 0
        case .length, .lower, .upper, .trim, .json, .coalesce, .secret: 1
        case .join, .split, .defaultValue, .formatDate, .contains, .startsWith, .endsWith, .regexMatch: 2
        }
    }

    /// Nil when any number of arguments from `minimumArguments` up is accepted.
    var maximumArguments: Int? {
        switch self {
        case .now: return 0
        case .length, .lower, .upper, .trim, .json: return 1
        case .coalesce: return nil
        case .join, .split, .defaultValue, .formatDate, .contains, .startsWith, .endsWith, .regexMatch, .secret: return 2
        }
    }

    func accepts(_ count: Int) -> Bool {
        guard count >= minimumArguments else { return false }
        if let maximum = maximumArguments { return count <= maximum }
        return true
    }

    /// "1 argument", "1 or 2 arguments", "at least 1 argument", for messages.
    var arityDescription: String {
        let minimum = minimumArguments
        guard let maximum = maximumArguments else {
            return "at least \(minimum) argument" + (minimum == 1 ? "" : "s")
        }
        if maximum == 0 { return "no arguments" }
        if minimum == maximum { return "\(minimum) argument" + (minimum == 1 ? "" : "s") }
        return "\(minimum) or \(maximum) arguments"
    }

    /// The message for a call to a function that does not exist.
    static func unknownMessage(_ name: String) -> String {
        let names = allCases.map(\.rawValue)
        if let suggestion = TemplateSuggestion.closest(to: name, among: names) {
            return "unknown function '\(name)' — did you mean '\(suggestion)'?"
        }
        return "unknown function '\(name)'; the functions are " + names.sorted().joined(separator: ", ")
    }
}
