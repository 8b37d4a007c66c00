/// Finds the templates in a definition (any string with `{{`), parses them, and checks what
/// they refer to. Errors carry the field's path and the position inside the template.
public enum TemplateChecks {
    /// What an agent's config may refer to: the step's own input, the execution, and the
    /// values of its `secrets:` map (`{{ secrets.sfdc.password }}`).
    public static let agentRoots: Set<String> = ["input", "execution", "secrets"]
    /// What a workflow's node inputs, `when` and output may refer to.
    public static let workflowRoots: Set<String> = ["input", "nodes", "execution"]

    struct Found {
        let path: String
        let template: Template
    }

    public static func issues(in value: JSONValue, at path: String, roots: Set<String>) -> [DefinitionIssue] {
        var issues: [DefinitionIssue] = []
        _ = templates(in: value, at: path, roots: roots, issues: &issues)
        return issues
    }

    /// Parses every template under `value`; issues for those that do not parse, use an
    /// unknown root or name a malformed secret path.
    static func templates(in value: JSONValue, at path: String, roots: Set<String>, issues: inout [DefinitionIssue]) -> [Found] {
        var found: [Found] = []
        walk(value, path, roots, &found, &issues, depth: 0)
        return found
    }

    private static func walk(_ value: JSONValue, _ path: String, _ roots: Set<String>, _ found: inout [Found],
                             _ issues: inout [DefinitionIssue], depth: Int) {
        guard depth < 64 else { return }
        switch value {
        case .string(let text):
            if let template = parse(text, at: path, roots: roots, issues: &issues) { found.append(Found(path: path, template: template)) }
        case .array(let items):
            for (index, item) in items.enumerated() { walk(item, IssuePath.join(path, index: index), roots, &found, &issues, depth: depth + 1) }
        case .object(let object):
            for key in object.keys.sorted() { walk(object[key]!, IssuePath.join(path, key), roots, &found, &issues, depth: depth + 1) }
        default:
            break
        }
    }

    /// One template text; nil (and an issue) when it does not parse, nil without an issue when
    /// it is a plain literal.
    static func parse(_ text: String, at path: String, roots: Set<String>, issues: inout [DefinitionIssue]) -> Template? {
        guard TextScan.hasTemplate(text) else { return nil }
        let template: Template
        do {
            template = try Template.parse(text)
        } catch {
            issues.append(DefinitionIssue(path, "\(error)"))
            return nil
        }
        for reference in template.references where !roots.contains(reference.root) {
            issues.append(DefinitionIssue(path, "\(position(text, reference.offset)): unknown reference '\(reference.root)'"
                                          + NameSuggestion.hint(for: reference.root, in: roots)
                                          + " (templates here may use \(roots.sorted().joined(separator: ", ")))"))
        }
        for secretPath in template.secretPaths {
            if let violation = SecretRules.checkPath(secretPath) {
                issues.append(DefinitionIssue(path, "secret path '\(secretPath)' \(violation.message)"))
            }
        }
        return template
    }

    /// `line:column` (1-based) of an offset in Unicode scalars in `text`.
    static func position(_ text: String, _ offset: Int) -> String {
        var line = 1, column = 1
        for (index, scalar) in text.unicodeScalars.enumerated() {
            if index >= offset { break }
            if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return "\(line):\(column)"
    }
}
