/// A reusable step definition as written (DESIGN §2): a kind and a config for that kind.
///
/// ```yaml
/// agent: fetch-ticket
/// kind: http
/// description: Loads a ticket from the helpdesk.
/// team: support
/// config:
///   url: "https://helpdesk.internal/api/tickets/{{ input.id }}"
///   headers: { Authorization: "Bearer {{ secret('helpdesk/api', 'token') }}" }
/// ```
public struct AgentDefinition: Hashable, Sendable {
    public var name: String
    public var kind: StepKind
    public var description: String?
    public var tags: [String]
    /// The owning team's name; nil: the whole org's.
    public var team: String?
    public var config: JSONValue

    public init(name: String, kind: StepKind, description: String? = nil, tags: [String] = [], team: String? = nil, config: JSONValue) {
        self.name = name
        self.kind = kind
        self.description = description
        self.tags = tags
        self.team = team
        self.config = config
    }

    /// The normalized form that is stored, hashed, diffed and exported.
    public var json: JSONValue {
        var object: [String: JSONValue] = ["agent": .string(name), "kind": .string(kind.rawValue), "config": config]
        if let description { object["description"] = .string(description) }
        if !tags.isEmpty { object["tags"] = .array(tags.map { .string($0) }) }
        if let team { object["team"] = .string(team) }
        return .object(object)
    }

    /// Reads and checks an agent document. Throws every issue found.
    public static func parse(_ value: JSONValue) throws(DefinitionError) -> AgentDefinition {
        let (agent, shapeIssues) = read(value)
        var issues = shapeIssues
        if let agent {
            issues += agent.kind.configIssues(agent.config, at: "config")
            issues += CredentialLiterals.issues(in: agent.config, at: "config")
            issues += TemplateChecks.issues(in: agent.config, at: "config", roots: TemplateChecks.agentRoots)
        }
        guard issues.isEmpty, let agent else { throw DefinitionError(issues) }
        return agent
    }

    /// Reads an agent document's shape (fields, types, names) without checking its config:
    /// what stored versions are decoded with, so that a rule tightened later never makes an
    /// old version unreadable. nil when there is nothing to build on.
    public static func read(_ value: JSONValue) -> (AgentDefinition?, [DefinitionIssue]) {
        var issues: [DefinitionIssue] = []
        guard var reader = DefinitionReader(value, at: "", issues: &issues) else { return (nil, issues) }
        let name = reader.string("agent", required: true)
        let kindText = reader.string("kind", required: true)
        let description = reader.string("description")
        let tags = reader.strings("tags")
        let team = reader.string("team")
        let config = reader.value("config")
        reader.refuseUnknownFields()
        issues += reader.issues
        if let name, let issue = DefinitionNames.nameIssue(name, at: "agent") { issues.append(issue) }
        if let team, let issue = DefinitionNames.nameIssue(team, at: "team") { issues.append(issue) }
        if let description, description.count > 2000 { issues.append(DefinitionIssue("description", "must be at most 2000 characters")) }
        issues += DefinitionNames.tagIssues(tags, at: "tags")
        var kind: StepKind?
        if let kindText {
            kind = StepKind(rawValue: kindText)
            if kind == nil {
                issues.append(DefinitionIssue("kind", "unknown kind '\(kindText)'" + NameSuggestion.hint(for: kindText, in: StepKind.allCases.map(\.rawValue))
                                              + " (kinds: \(StepKind.allCases.map(\.rawValue).joined(separator: ", ")))"))
            }
        }
        if config == nil { issues.append(DefinitionIssue("config", "is required")) }
        guard let name, let kind, let config else { return (nil, issues) }
        return (AgentDefinition(name: name, kind: kind, description: description, tags: tags, team: team, config: config), issues)
    }
}

/// Which agent a node uses: `classify` (the newest version when the workflow is applied) or
/// `classify@3`.
public struct AgentReference: Hashable, Sendable, Codable, CustomStringConvertible {
    public let name: String
    public let version: Int?

    public init(name: String, version: Int?) {
        self.name = name
        self.version = version
    }

    public init?(_ text: String) {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count <= 2, !parts[0].isEmpty else { return nil }
        name = String(parts[0])
        if parts.count == 2 {
            guard let number = Int(parts[1]), number >= 1 else { return nil }
            version = number
        } else {
            version = nil
        }
    }

    public var description: String { version.map { "\(name)@\($0)" } ?? name }
}
