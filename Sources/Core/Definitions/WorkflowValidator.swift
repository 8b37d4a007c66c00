/// The checks a workflow must pass once its agents are known (pure; DESIGN §3): the graph is
/// acyclic and within limits, every edge and reference resolves, a node only reads nodes
/// upstream of it, references into a known output shape exist, routers only pick their own
/// successors, and nothing holds a credential literal. Every issue is collected.
public enum WorkflowValidator {
    /// `kinds` gives each node's step kind (inline, or its resolved agent's); `configs` the
    /// configs of nodes that use agents (a router agent's targets are checked against the
    /// node's successors).
    public static func issues(_ workflow: WorkflowDefinition, kinds: [String: StepKind],
                              configs: [String: JSONValue] = [:]) -> [DefinitionIssue] {
        var issues: [DefinitionIssue] = []
        let ids = Set(workflow.nodes.map(\.id))

        var edges: [WorkflowEdge] = []
        var seenEdges = Set<WorkflowEdge>()
        for (index, edge) in workflow.edges.enumerated() {
            let path = IssuePath.join("edges", index: index)
            var ok = true
            for end in [edge.from, edge.to] where !ids.contains(end) {
                issues.append(DefinitionIssue(path, "unknown node '\(end)'" + NameSuggestion.hint(for: end, in: ids)))
                ok = false
            }
            if edge.from == edge.to {
                issues.append(DefinitionIssue(path, "a node cannot depend on itself (\(edge))"))
                ok = false
            }
            if !seenEdges.insert(edge).inserted {
                issues.append(DefinitionIssue(path, "\(edge) is listed twice"))
                ok = false
            }
            if ok { edges.append(edge) }
        }

        let dag = DAG(nodes: workflow.nodes.map(\.id), edges: edges)
        if let cycle = dag.cycle() {
            issues.append(DefinitionIssue("edges", "the graph has a cycle: \(cycle.joined(separator: " -> ")); workflows must be acyclic"))
            return issues  // ancestry and depth mean nothing in a cyclic graph
        }
        let depth = (dag.layers().values.max() ?? 0) + 1
        if depth > WorkflowDefinition.maximumDepth {
            issues.append(DefinitionIssue("edges", "the longest chain has \(depth) nodes; at most \(WorkflowDefinition.maximumDepth)"))
        }

        if let inputSchema = workflow.inputSchema {
            if inputSchema["type"] != nil, inputSchema["type"] != .string("object") {
                issues.append(DefinitionIssue("input.type", "a workflow's input is an object: use type: object"))
            }
            issues += CredentialLiterals.issues(in: inputSchema, at: "input")
        }

        for node in workflow.nodes {
            let path = IssuePath.join("nodes", node.id)
            let upstream = dag.ancestors(of: node.id)
            var found: [TemplateChecks.Found] = []
            if let input = node.input {
                found += TemplateChecks.templates(in: input, at: IssuePath.join(path, "input"), roots: TemplateChecks.workflowRoots, issues: &issues)
                issues += CredentialLiterals.issues(in: input, at: IssuePath.join(path, "input"))
            }
            if let when = node.when {
                let whenPath = IssuePath.join(path, "when")
                if let template = TemplateChecks.parse(when, at: whenPath, roots: TemplateChecks.workflowRoots, issues: &issues) {
                    found.append(TemplateChecks.Found(path: whenPath, template: template))
                } else if !TextScan.hasTemplate(when) {
                    issues.append(DefinitionIssue(whenPath, "must be a template, e.g. \"{{ nodes.classify.output.label == 'urgent' }}\""))
                }
            }
            if let config = node.config {
                let configPath = IssuePath.join(path, "config")
                issues += TemplateChecks.issues(in: config, at: configPath, roots: TemplateChecks.agentRoots)
                issues += CredentialLiterals.issues(in: config, at: configPath)
            }
            for item in found {
                issues += referenceIssues(item, workflow: workflow, ids: ids, kinds: kinds, visible: upstream, reader: node.id)
            }
            if kinds[node.id] == .router, let config = node.config ?? configs[node.id] {
                issues += routerIssues(config, at: IssuePath.join(path, "config"), successors: Set(dag.successors[node.id] ?? []))
            }
        }

        if let output = workflow.output {
            let found = TemplateChecks.templates(in: output, at: "output", roots: TemplateChecks.workflowRoots, issues: &issues)
            for item in found { issues += referenceIssues(item, workflow: workflow, ids: ids, kinds: kinds, visible: ids, reader: nil) }
            issues += CredentialLiterals.issues(in: output, at: "output")
        }
        return issues
    }

    /// Router targets (agent or inline config) must be the router's own successors.
    public static func routerIssues(_ config: JSONValue, at path: String, successors: Set<String>) -> [DefinitionIssue] {
        var issues: [DefinitionIssue] = []
        func check(_ targets: JSONValue?, _ targetPath: String) {
            for (index, target) in (targets?.arrayValue ?? []).enumerated() {
                guard let name = target.stringValue, !successors.contains(name) else { continue }
                issues.append(DefinitionIssue(IssuePath.join(targetPath, index: index),
                                              "'\(name)' is not a successor of this router; add an edge or pick one of: "
                                              + (successors.isEmpty ? "(none)" : successors.sorted().joined(separator: ", "))))
            }
        }
        for (index, route) in (config["routes"]?.arrayValue ?? []).enumerated() {
            check(route["to"], IssuePath.join(IssuePath.join(IssuePath.join(path, "routes"), index: index), "to"))
        }
        check(config["default"], IssuePath.join(path, "default"))
        return issues
    }

    /// Fields of a node others may read: `nodes.X.output…`, `nodes.X.status`, `nodes.X.error`.
    static let nodeFields = ["output", "status", "error", "attempts"]

    private static func referenceIssues(_ item: TemplateChecks.Found, workflow: WorkflowDefinition, ids: Set<String>,
                                        kinds: [String: StepKind], visible: Set<String>, reader: String?) -> [DefinitionIssue] {
        var issues: [DefinitionIssue] = []
        for reference in item.template.references {
            let at = "\(TemplateChecks.position(item.template.text, reference.offset))"
            switch reference.root {
            case "nodes":
                guard let target = reference.segments.first else { continue }
                guard ids.contains(target) else {
                    issues.append(DefinitionIssue(item.path, "\(at): unknown reference nodes.\(target)"
                                                  + NameSuggestion.hint(for: target, in: ids.sorted()).replacingNodeHint()))
                    continue
                }
                if let reader, target == reader {
                    issues.append(DefinitionIssue(item.path, "\(at): a node cannot read its own output (nodes.\(target))"))
                    continue
                }
                if !visible.contains(target) {
                    issues.append(DefinitionIssue(item.path, "\(at): nodes.\(target) is not upstream of \(reader ?? "the output"); "
                                                  + "add the edge \"\(target) -> \(reader ?? "")\""))
                    continue
                }
                guard reference.segments.count > 1 else { continue }
                let field = reference.segments[1]
                guard nodeFields.contains(field) else {
                    issues.append(DefinitionIssue(item.path, "\(at): nodes.\(target) has no field '\(field)'"
                                                  + NameSuggestion.hint(for: field, in: nodeFields) + " (fields: \(nodeFields.joined(separator: ", ")))"))
                    continue
                }
                if field == "output", let kind = kinds[target], let schema = kind.outputSchema {
                    if let problem = missingField(Array(reference.segments.dropFirst(2)), in: schema) {
                        issues.append(DefinitionIssue(item.path, "\(at): nodes.\(target).output\(problem) (a \(kind.rawValue) step's output)"))
                    }
                }
            case "input":
                if let schema = workflow.inputSchema, let problem = missingField(reference.segments, in: schema) {
                    issues.append(DefinitionIssue(item.path, "\(at): input\(problem) (the workflow's input schema)"))
                }
            default:
                break
            }
        }
        return issues
    }

    /// Walks `segments` through a schema's `properties` as far as the schema says; describes
    /// the first field it cannot have (only where the schema lists its properties).
    static func missingField(_ segments: [String], in schema: JSONValue) -> String? {
        var schema = schema
        var walked = ""
        for segment in segments {
            guard let properties = schema["properties"]?.objectValue else { return nil }
            if let next = properties[segment] {
                walked += ".\(segment)"
                schema = next
                continue
            }
            // A schema that lists its fields and does not open itself to others: a name not
            // listed is far more often a typo than a field meant to pass unchecked.
            let allowsOthers = schema["additionalProperties"].map { $0 != .bool(false) } ?? false
            if !allowsOthers {
                return "\(walked) has no field '\(segment)'" + NameSuggestion.hint(for: segment, in: properties.keys)
                    + " (fields: \(properties.keys.sorted().joined(separator: ", ")))"
            }
            return nil
        }
        return nil
    }
}

extension String {
    /// NameSuggestion's hint names a node id; in a path it reads better as `nodes.x`.
    fileprivate func replacingNodeHint() -> String {
        guard hasPrefix(" — did you mean '") else { return self }
        return " — did you mean nodes." + dropFirst(" — did you mean '".count).dropLast(2) + "?"
    }
}
