extension WorkflowDefinition {
    /// Reads a workflow document's shape (types, names, unknown fields). The graph and the
    /// references are checked by `WorkflowValidator`, once agents are resolved.
    public static func parse(_ value: JSONValue) throws(DefinitionError) -> WorkflowDefinition {
        let (workflow, issues) = read(value)
        guard issues.isEmpty, let workflow else { throw DefinitionError(issues) }
        return workflow
    }

    /// Reads as much of a workflow as can be read, and every shape issue. The workflow is nil
    /// only when there is nothing to build on (not a mapping, or no name); otherwise it holds
    /// every node whose id is valid, so the graph can still be checked and all issues reported
    /// at once.
    public static func read(_ value: JSONValue) -> (WorkflowDefinition?, [DefinitionIssue]) {
        var issues: [DefinitionIssue] = []
        guard var reader = DefinitionReader(value, at: "", issues: &issues) else { return (nil, issues) }
        let name = reader.string("workflow", required: true)
        let description = reader.string("description")
        let tags = reader.strings("tags")
        let team = reader.string("team")
        let inputSchema = reader.value("input")
        let nodesValue = reader.value("nodes")
        let edgesValue = reader.value("edges")
        let output = reader.value("output")
        let timeoutMs = reader.integer("timeout_ms", in: 1...604_800_000)
        let concurrency = reader.integer("concurrency", in: 1...10_000)
        let privacyValue = reader.value("privacy")
        reader.refuseUnknownFields()
        issues += reader.issues
        if let name, let issue = DefinitionNames.nameIssue(name, at: "workflow") { issues.append(issue) }
        if let team, let issue = DefinitionNames.nameIssue(team, at: "team") { issues.append(issue) }
        if let description, description.count > 2000 { issues.append(DefinitionIssue("description", "must be at most 2000 characters")) }
        issues += DefinitionNames.tagIssues(tags, at: "tags")
        if let inputSchema { issues += JSONSchemaCheck.schemaIssues(inputSchema, at: "input") }
        let privacy = privacyValue.flatMap { parsePrivacy($0, issues: &issues) }

        var nodes: [WorkflowNode] = []
        switch nodesValue {
        case .object(let map)?:
            if map.isEmpty { issues.append(DefinitionIssue("nodes", "a workflow needs at least one node")) }
            if map.count > maximumNodes {
                issues.append(DefinitionIssue("nodes", "has \(map.count) nodes; a workflow may have at most \(maximumNodes)"))
            } else {
                for id in map.keys.sorted() {
                    if let node = parseNode(id: id, map[id]!, issues: &issues) { nodes.append(node) }
                }
            }
        case nil:
            issues.append(DefinitionIssue("nodes", "is required: a mapping of node id to node"))
        case let other?:
            issues.append(DefinitionIssue("nodes", "must be a mapping of node id to node, not \(other.typeName)"))
        }

        var edges: [WorkflowEdge] = []
        switch edgesValue {
        case .array(let items)?:
            if items.count > maximumEdges { issues.append(DefinitionIssue("edges", "at most \(maximumEdges) edges")) }
            for (index, item) in items.prefix(maximumEdges).enumerated() {
                if let edge = parseEdge(item, at: IssuePath.join("edges", index: index), issues: &issues) { edges.append(edge) }
            }
        case nil: break
        case let other?:
            issues.append(DefinitionIssue("edges", "must be a list of \"from -> to\", not \(other.typeName)"))
        }

        guard let name else { return (nil, issues) }
        return (WorkflowDefinition(name: name, description: description, tags: tags, team: team, inputSchema: inputSchema,
                                   nodes: nodes, edges: edges, output: output, timeoutMs: timeoutMs, concurrency: concurrency, privacy: privacy), issues)
    }

    /// `privacy: {pii: off|mask_in_prompts|mask|block, kinds: [email, payment_card, custom]}`.
    private static func parsePrivacy(_ value: JSONValue, issues: inout [DefinitionIssue]) -> WorkflowPrivacy? {
        guard var reader = DefinitionReader(value, at: "privacy", issues: &issues) else { return nil }
        let actionText = reader.string("pii", required: true)
        let kindsValue = reader.value("kinds")
        let kindNames = reader.strings("kinds")
        reader.refuseUnknownFields()
        issues += reader.issues
        guard let actionText else { return nil }
        guard let action = PIIAction(rawValue: actionText) else {
            issues.append(DefinitionIssue("privacy.pii", "\"\(actionText)\" is not a PII action; use one of \(PIIAction.names)"))
            return nil
        }
        var kinds = PIIKindSelection.all
        if kindsValue != nil, case .array = kindsValue {
            switch PIIKindSelection.parse(kindNames) {
            case .success(let selection): kinds = selection
            case .failure(let problem):
                issues.append(DefinitionIssue("privacy.kinds", problem.message))
                return nil
            }
        }
        return WorkflowPrivacy(action: action, kinds: kinds)
    }

    private static func parseNode(id: String, _ value: JSONValue, issues: inout [DefinitionIssue]) -> WorkflowNode? {
        let path = IssuePath.join("nodes", id)
        if let issue = DefinitionNames.nodeIDIssue(id, at: path) {
            issues.append(issue)
            return nil
        }
        guard var reader = DefinitionReader(value, at: path, issues: &issues) else { return nil }
        let agentText = reader.string("agent")
        let kindText = reader.string("kind")
        let config = reader.value("config")
        let input = reader.value("input")
        let when = reader.string("when")
        let retryValue = reader.value("retry")
        let timeoutMs = reader.integer("timeout_ms", in: 1...86_400_000)
        let description = reader.string("description")
        reader.refuseUnknownFields()
        issues += reader.issues

        var agent: AgentReference?
        if let agentText {
            agent = AgentReference(agentText)
            if agent == nil || DefinitionNames.nameIssue(agent!.name, at: "") != nil {
                issues.append(DefinitionIssue(reader.at("agent"), "must be an agent name, optionally with @VERSION (classify or classify@3)"))
            }
        }
        var kind: StepKind?
        if let kindText {
            kind = StepKind(rawValue: kindText)
            if kind == nil {
                issues.append(DefinitionIssue(reader.at("kind"), "unknown kind '\(kindText)'"
                                              + NameSuggestion.hint(for: kindText, in: StepKind.allCases.map(\.rawValue))))
            }
        }
        switch (agentText != nil, kindText != nil || config != nil) {
        case (true, true):
            issues.append(DefinitionIssue(path, "uses an agent or has an inline kind and config, not both"))
        case (false, false):
            issues.append(DefinitionIssue(path, "needs an agent (agent: NAME) or an inline kind and config"))
        case (false, true):
            if kindText == nil { issues.append(DefinitionIssue(reader.at("kind"), "is required with an inline config")) }
            if config == nil { issues.append(DefinitionIssue(reader.at("config"), "is required with an inline kind")) }
            if let kind, let config { issues += kind.configIssues(config, at: reader.at("config")) }
        case (true, false):
            break
        }
        if let when, when.utf8.count > 16_384 { issues.append(DefinitionIssue(reader.at("when"), "must be at most 16384 bytes")) }
        if let description, description.count > 2000 { issues.append(DefinitionIssue(reader.at("description"), "must be at most 2000 characters")) }

        var retry: RetryPolicy?
        if let retryValue, var retryReader = DefinitionReader(retryValue, at: reader.at("retry"), issues: &issues) {
            let attempts = retryReader.integer("max_attempts", in: 1...20)
            let initial = retryReader.integer("initial_backoff_ms", in: 0...3_600_000)
            let maximum = retryReader.integer("max_backoff_ms", in: 0...86_400_000)
            if retryReader.value("max_attempts") == nil { retryReader.note(DefinitionIssue(retryReader.at("max_attempts"), "is required")) }
            retryReader.refuseUnknownFields()
            issues += retryReader.issues
            if let attempts {
                retry = RetryPolicy(maxAttempts: attempts, initialBackoffMs: initial ?? 1000, maxBackoffMs: maximum ?? 60_000)
                if retry!.maxBackoffMs < retry!.initialBackoffMs {
                    issues.append(DefinitionIssue(retryReader.at("max_backoff_ms"), "must not be less than initial_backoff_ms"))
                }
            }
        }
        if agent.map({ DefinitionNames.nameIssue($0.name, at: "") != nil }) == true { agent = nil }
        return WorkflowNode(id: id, agent: agent, kind: kind, config: config, input: input, when: when, retry: retry,
                            timeoutMs: timeoutMs, description: description)
    }

    /// `"fetch -> classify"` or `{from: fetch, to: classify}`.
    private static func parseEdge(_ value: JSONValue, at path: String, issues: inout [DefinitionIssue]) -> WorkflowEdge? {
        switch value {
        case .string(let text):
            guard let arrow = TextScan.offset(of: "->", in: text) else {
                issues.append(DefinitionIssue(path, "must be \"from -> to\""))
                return nil
            }
            let bytes = Array(text.utf8)
            let from = String(decoding: bytes[..<arrow], as: UTF8.self).trimmingEdgeSpaces
            let to = String(decoding: bytes[(arrow + 2)...], as: UTF8.self).trimmingEdgeSpaces
            guard !TextScan.contains("->", in: to) else {
                issues.append(DefinitionIssue(path, "must be \"from -> to\" (one arrow per edge)"))
                return nil
            }
            return WorkflowEdge(from, to)
        case .object:
            guard var reader = DefinitionReader(value, at: path, issues: &issues) else { return nil }
            let from = reader.string("from", required: true)
            let to = reader.string("to", required: true)
            reader.refuseUnknownFields()
            issues += reader.issues
            guard let from, let to else { return nil }
            return WorkflowEdge(from, to)
        default:
            issues.append(DefinitionIssue(path, "must be \"from -> to\", not \(value.typeName)"))
            return nil
        }
    }
}

extension String {
    var trimmingEdgeSpaces: String {
        let bytes = Array(utf8)
        guard let first = bytes.firstIndex(where: { $0 != 32 && $0 != 9 }) else { return "" }
        let last = bytes.lastIndex(where: { $0 != 32 && $0 != 9 })!
        return first == 0 && last == bytes.count - 1 ? self : String(decoding: bytes[first...last], as: UTF8.self)
    }

}
