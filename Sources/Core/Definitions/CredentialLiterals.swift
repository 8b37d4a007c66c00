/// Finds credentials written into a definition as literals. Configs name secrets by vault
/// path; a password or token typed into YAML would be stored, versioned, exported and diffed
/// in the clear, so it is refused with a pointer to the vault.
public enum CredentialLiterals {
    /// Field names that hold credentials: a literal (non-template) value under one is refused.
    static let sensitiveNames = ["password", "passwd", "secret", "token", "apikey", "api_key", "api-key",
                                 "authorization", "private_key", "privatekey", "client_secret", "credential"]

    public static func issues(in value: JSONValue, at path: String) -> [DefinitionIssue] {
        var found: [DefinitionIssue] = []
        walk(value, path, key: nil, &found, depth: 0)
        return found
    }

    private static func walk(_ value: JSONValue, _ path: String, key: String?, _ found: inout [DefinitionIssue], depth: Int) {
        guard depth < 64 else { return }
        switch value {
        case .object(let object):
            for name in object.keys.sorted() where name != "secrets" {
                walk(object[name]!, IssuePath.join(path, name), key: name, &found, depth: depth + 1)
            }
        case .array(let items):
            for (index, item) in items.enumerated() {
                walk(item, IssuePath.join(path, index: index), key: key, &found, depth: depth + 1)
            }
        case .string(let text):
            if let reason = reason(text, key: key) {
                found.append(DefinitionIssue(path, "\(reason); store it with `agentctl secrets set PATH` and refer to it as "
                                             + "{{ secret(\"PATH\", \"field\") }} or under `secrets:`"))
            }
        default:
            break
        }
    }

    /// Why `text` (under field `key`) looks like a credential, or nil.
    static func reason(_ text: String, key: String?) -> String? {
        // Most values are short words or templates that no rule below can match: skip them
        // without building new strings (a 500-node workflow has thousands).
        if text.utf8.count < 8 && key == nil { return nil }
        let isTemplate = TextScan.hasTemplate(text)
        // A key name makes any literal suspect; without one, only shapes of known credentials
        // count, and those are single words (or a PEM block, or a URL).
        let trimmed = text.trimmingSpaces
        if trimmed.isEmpty { return nil }
        if TextScan.contains("-----BEGIN", in: trimmed) && TextScan.contains("PRIVATE KEY", in: trimmed) { return "looks like a private key" }
        if let scheme = embeddedUserinfo(trimmed) { return "a \(scheme) URL with a password in it" }
        for (prefix, minimum, name) in knownTokenPrefixes where trimmed.hasPrefix(prefix) && trimmed.utf8.count >= minimum
            && !isTemplate && !TextScan.contains(" ", in: trimmed) {
            return "looks like \(name)"
        }
        if isJWT(trimmed) { return "looks like a JSON Web Token" }
        let head = String(trimmed.prefix(7)).lowercased()
        if head == "bearer " || head.hasPrefix("basic "), !isTemplate, trimmed.utf8.count > 12 {
            return "an Authorization value written out"
        }
        if let key, !isTemplate {
            let name = key.lowercased()
            if sensitiveNames.contains(where: { name == $0 || name.hasSuffix("_" + $0) || name.hasSuffix("-" + $0) }) {
                return "'\(key)' holds a literal value"
            }
        }
        return nil
    }

    static let knownTokenPrefixes: [(String, Int, String)] = [
        ("sk-", 20, "an API secret key"), ("AKIA", 20, "an AWS access key"), ("ghp_", 30, "a GitHub token"),
        ("github_pat_", 30, "a GitHub token"), ("xoxb-", 20, "a Slack token"), ("xoxp-", 20, "a Slack token"),
        ("glpat-", 20, "a GitLab token"),
    ]

    private static func isJWT(_ text: String) -> Bool {
        guard text.hasPrefix("eyJ"), text.count > 30 else { return false }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 3 && parts.allSatisfy { part in
            !part.isEmpty && part.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 }
        }
    }

    /// `scheme://user:password@host` (not a template): returns the scheme.
    private static func embeddedUserinfo(_ text: String) -> String? {
        guard let offset = TextScan.offset(of: "://", in: text) else { return nil }
        let utf8 = text.utf8
        let schemeEnd = utf8.index(utf8.startIndex, offsetBy: offset)
        let rest = text[utf8.index(schemeEnd, offsetBy: 3)...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let at = authority.lastIndex(of: "@") else { return nil }
        let userinfo = authority[..<at]
        guard let colon = userinfo.firstIndex(of: ":"), userinfo.index(after: colon) < userinfo.endIndex else { return nil }
        if TextScan.hasTemplate(String(userinfo)) { return nil }
        return String(text[..<schemeEnd])
    }
}

fileprivate extension String {
    var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
