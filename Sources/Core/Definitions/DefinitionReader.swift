/// Reads one object of a definition field by field, collecting every issue (wrong type,
/// missing, unknown field) with its path instead of stopping at the first.
struct DefinitionReader {
    let object: [String: JSONValue]
    let path: String
    private(set) var issues: [DefinitionIssue] = []
    private var read: Set<String> = []

    /// nil (with an issue recorded) when `value` is not an object.
    init?(_ value: JSONValue, at path: String, issues: inout [DefinitionIssue]) {
        guard case .object(let object) = value else {
            issues.append(DefinitionIssue(path, "must be a mapping (key: value), not \(value.typeName)"))
            return nil
        }
        self.object = object
        self.path = path
    }

    func at(_ key: String) -> String { IssuePath.join(path, key) }

    mutating func value(_ key: String) -> JSONValue? {
        read.insert(key)
        if case .null = object[key] { return nil }
        return object[key]
    }

    mutating func string(_ key: String, required: Bool = false) -> String? {
        guard let value = value(key) else {
            if required { issues.append(DefinitionIssue(at(key), "is required")) }
            return nil
        }
        guard case .string(let text) = value else {
            issues.append(DefinitionIssue(at(key), "must be a string, not \(value.typeName)"))
            return nil
        }
        return text
    }

    mutating func integer(_ key: String, in range: ClosedRange<Int>) -> Int? {
        guard let value = value(key) else { return nil }
        guard case .integer(let number) = value else {
            // A whole number too large for Int (2^63, 1e19) arrives as a double: out of range, not a fraction.
            if case .number(let number) = value, number.rounded() == number {
                issues.append(DefinitionIssue(at(key), "must be between \(range.lowerBound) and \(range.upperBound); got \(number)"))
            } else {
                issues.append(DefinitionIssue(at(key), "must be a whole number, not \(value.typeName)"))
            }
            return nil
        }
        guard range.contains(number) else {
            issues.append(DefinitionIssue(at(key), "must be between \(range.lowerBound) and \(range.upperBound); got \(number)"))
            return nil
        }
        return number
    }

    mutating func strings(_ key: String) -> [String] {
        guard let value = value(key) else { return [] }
        guard case .array(let items) = value else {
            issues.append(DefinitionIssue(at(key), "must be a list of strings, not \(value.typeName)"))
            return []
        }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            if case .string(let text) = item { result.append(text) }
            else { issues.append(DefinitionIssue(IssuePath.join(at(key), index: index), "must be a string, not \(item.typeName)")) }
        }
        return result
    }

    mutating func note(_ issue: DefinitionIssue) { issues.append(issue) }

    /// Records every field that no `value(_:)` call asked for, with a suggestion.
    mutating func refuseUnknownFields() {
        let known = read
        for key in object.keys.sorted() where !known.contains(key) {
            issues.append(DefinitionIssue(at(key), "unknown field" + NameSuggestion.hint(for: key, in: known)
                                          + " (allowed: \(known.sorted().joined(separator: ", ")))"))
        }
    }
}

/// The names definitions use.
public enum DefinitionNames {
    /// Agents and workflows are named like orgs: `support-triage`.
    public static func nameIssue(_ name: String, at path: String) -> DefinitionIssue? {
        OrgRules.checkName(name).map { DefinitionIssue(path, $0.message) }
    }

    /// Node ids appear in template paths (`nodes.fetch_ticket.output`), so they are
    /// identifiers: a lower-case letter, then `a-z 0-9 _`, at most 63.
    public static func nodeIDIssue(_ id: String, at path: String) -> DefinitionIssue? {
        let bytes = Array(id.utf8)
        guard (1...63).contains(bytes.count), (97...122).contains(bytes[0]),
              bytes.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 95 }) else {
            return DefinitionIssue(path, "node ids start with a-z and use only a-z, 0-9 and _ (at most 63), so templates can name them")
        }
        return nil
    }

    public static func tagIssues(_ tags: [String], at path: String) -> [DefinitionIssue] {
        var found: [DefinitionIssue] = []
        if tags.count > 20 { found.append(DefinitionIssue(path, "at most 20 tags")) }
        for (index, tag) in tags.enumerated() {
            let ok = (1...40).contains(tag.utf8.count)
                && tag.utf8.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 45 || $0 == 95 }
            if !ok { found.append(DefinitionIssue(IssuePath.join(path, index: index), "tags are 1-40 characters of a-z, 0-9, - and _")) }
        }
        if Set(tags).count != tags.count { found.append(DefinitionIssue(path, "lists a tag twice")) }
        return found
    }
}
