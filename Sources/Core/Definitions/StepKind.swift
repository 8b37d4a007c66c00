/// What an agent does when a node runs it (DESIGN §6). Each kind has one JSON Schema for its
/// config, served by the API, and where it is known, the shape of its output, which the
/// validator uses to check references such as `nodes.fetch.output.body`.
public enum StepKind: String, CaseIterable, Hashable, Sendable, Codable {
    case llm, http, transform, exec, approval, workflow, delay, router

    public var summary: String {
        switch self {
        case .llm: "A chat completion against a configured OpenAI-compatible model endpoint."
        case .http: "A request to an internal service; secrets come from the vault."
        case .transform: "Builds its output from its input with templates; no I/O."
        case .exec: "Runs a connector bundle's executable with JSON on stdin and stdout; no shell."
        case .approval: "Pauses until enough approvers decide."
        case .workflow: "Runs another workflow as a child execution."
        case .delay: "Waits for a duration or until a time."
        case .router: "Picks which successors run, by condition."
        }
    }

    /// The highest version number a `workflow` step may name (versions count from 1; no
    /// workflow gets near this, and it keeps the number an exact integer everywhere).
    public static let maximumVersion = 1_000_000_000

    /// The config's JSON Schema. Every number in it has a `minimum` and a `maximum` (a value
    /// beyond them is refused at apply time, and by the step if it reaches one). String fields may hold templates (`{{ … }}`), evaluated when
    /// the step runs; `secrets` maps a name to a vault path, never to a value.
    public var configSchema: JSONValue { Self.configSchemas[self]! }

    /// Built once: validating a 500-node workflow asks for them 500 times.
    private static let configSchemas = Dictionary(uniqueKeysWithValues: allCases.map { ($0, $0.buildConfigSchema()) })
    private static let outputSchemas = Dictionary(uniqueKeysWithValues: allCases.map { ($0, $0.buildOutputSchema()) })

    private func buildConfigSchema() -> JSONValue {
        let template: JSONValue = ["type": "string", "maxLength": 16_384]
        let secrets: JSONValue = [
            "type": "object", "description": "Names for vault paths this step reads, e.g. {sfdc: payments/sfdc}.",
            "additionalProperties": ["type": "string", "minLength": 1],
        ]
        let timeout: JSONValue = ["type": "integer", "minimum": 1, "maximum": 86_400_000]
        func object(_ properties: [String: JSONValue], required: [String] = []) -> JSONValue {
            ["type": "object", "properties": .object(properties), "required": .array(required.map { .string($0) }),
             "additionalProperties": false]
        }
        switch self {
        case .llm:
            let message: JSONValue = object(["role": ["enum": ["system", "user", "assistant"]], "content": template],
                                            required: ["role", "content"])
            return object([
                "model": ["type": "string", "minLength": 1, "description": "A model registered with `agentctl models add` (its agentd name)."],
                "system": template,
                "prompt": template,
                "messages": ["type": "array", "items": message, "minItems": 1],
                "temperature": ["type": "number", "minimum": 0, "maximum": 2],
                "max_tokens": ["type": "integer", "minimum": 1, "maximum": 1_000_000],
                "response_format": ["enum": ["text", "json"]],
                "response_schema": ["type": "object", "description": "A JSON Schema the answer must match (implies json); one repair turn when it does not."],
                "stop": ["anyOf": [["type": "string"], ["type": "array", "items": ["type": "string"], "maxItems": 4]]],
                "stream": ["type": "boolean", "description": "Stream tokens to the execution's event stream as they come."],
                "timeout_ms": timeout,
                "tools": ["type": "array", "items": ["type": "string", "minLength": 1], "maxItems": 64,
                          "description": "Agents (by name) the model may call."],
                "max_tool_iterations": ["type": "integer", "minimum": 1, "maximum": 50],
                "secrets": secrets,
            ], required: ["model"])
        case .http:
            return object([
                "method": ["enum": ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]],
                "url": ["type": "string", "minLength": 1, "maxLength": 16_384],
                "headers": ["type": "object", "additionalProperties": template],
                "query": ["type": "object", "additionalProperties": template],
                "body": ["description": "JSON to send; strings may be templates."],
                "expect_status": ["type": "array", "items": ["type": "integer", "minimum": 100, "maximum": 599]],
                "max_response_bytes": ["type": "integer", "minimum": 1, "maximum": 67_108_864],
                "timeout_ms": timeout,
                "secrets": secrets,
            ], required: ["url"])
        case .transform:
            return object(["output": ["description": "The step's output: any JSON, strings may be templates."]],
                          required: ["output"])
        case .exec:
            return object([
                "connector": ["type": "string", "minLength": 1, "description": "An installed connector bundle."],
                "command": ["type": "string", "minLength": 1, "description": "The executable inside the bundle (no shell)."],
                "args": ["type": "array", "items": template, "maxItems": 64],
                "env": ["type": "object", "additionalProperties": template],
                "timeout_ms": timeout,
                "secrets": secrets,
            ], required: ["connector", "command"])
        case .approval:
            let names: JSONValue = ["type": "array", "items": ["type": "string", "minLength": 1], "maxItems": 100]
            return object([
                "approvers": ["anyOf": [
                    ["type": "array", "items": ["type": "string", "minLength": 1], "minItems": 1,
                     "description": "a list of logins, role:NAME and team:NAME"],
                    ["type": "object", "additionalProperties": false, "description": "{users: […], roles: […], teams: […]}",
                     "properties": ["users": names, "roles": names, "teams": names]],
                ]],
                "quorum": ["type": "integer", "minimum": 1, "maximum": 100],
                "expires_after_ms": ["type": "integer", "minimum": 1000, "maximum": 31_536_000_000],
                "expires_in": ["type": "string", "maxLength": 20, "description": "Instead of expires_after_ms: 30m, 24h, 7d."],
                "on_expiry": ["enum": ["reject", "approve", "fail"],
                              "description": "When nobody decided in time: the step's decision is rejected (default) or approved, or the step fails."],
                "message": template,
            ], required: ["approvers"])
        case .workflow:
            return object([
                "workflow": ["type": "string", "minLength": 1],
                "version": ["type": "integer", "minimum": 1, "maximum": .integer(Self.maximumVersion)],
                "input": ["description": "The child's input; strings may be templates."],
            ], required: ["workflow"])
        case .delay:
            return object([
                "duration_ms": ["type": "integer", "minimum": 1, "maximum": 31_536_000_000],
                "until": template,
            ])
        case .router:
            let route: JSONValue = object(["when": template, "to": ["type": "array", "items": ["type": "string"], "minItems": 1]],
                                          required: ["when", "to"])
            return object([
                "routes": ["type": "array", "items": route, "minItems": 1],
                "default": ["type": "array", "items": ["type": "string"]],
            ], required: ["routes"])
        }
    }

    /// The shape of what a step of this kind outputs, where agentd fixes it; nil means anything.
    public var outputSchema: JSONValue? { Self.outputSchemas[self]! }

    private func buildOutputSchema() -> JSONValue? {
        func object(_ properties: [String: JSONValue]) -> JSONValue {
            ["type": "object", "properties": .object(properties), "additionalProperties": false]
        }
        switch self {
        case .llm:
            return object([
                "text": ["type": "string"], "json": [:], "model": ["type": "string"], "finish_reason": ["type": "string"],
                "iterations": ["type": "integer"], "tool_calls": ["type": "array"],
                "usage": object(["prompt_tokens": ["type": "integer"], "completion_tokens": ["type": "integer"],
                                 "total_tokens": ["type": "integer"]]),
                "cost_micros": ["type": "integer"],
            ])
        case .http:
            return object(["status": ["type": "integer"], "headers": ["type": "object"], "body": [:]])
        case .approval:
            return object(["decision": ["enum": ["approved", "rejected"]], "approved": ["type": "boolean"], "expired": ["type": "boolean"],
                           "comment": ["type": ["string", "null"]], "message": ["type": ["string", "null"]], "decisions": ["type": "array"],
                           "approval_id": ["type": "string"]])
        case .delay:
            return object(["waited_ms": ["type": "integer"]])
        case .router:
            return object(["selected": ["type": "array"]])
        case .transform, .exec, .workflow:
            return nil
        }
    }

    /// Rules a schema cannot say: checked after the schema, with the same paths.
    func extraIssues(_ config: JSONValue, at path: String) -> [DefinitionIssue] {
        switch self {
        case .llm:
            if config["prompt"] == nil && config["messages"] == nil {
                return [DefinitionIssue(path, "an llm config needs prompt or messages")]
            }
        case .delay:
            if (config["duration_ms"] == nil) == (config["until"] == nil) {
                return [DefinitionIssue(path, "a delay config needs exactly one of duration_ms or until")]
            }
        case .approval:
            do {
                let policy = try ApprovalPolicy.parse(config)
                if policy.approvers.allSatisfy({ if case .user = $0 { true } else { false } }), policy.quorum > policy.approvers.count {
                    return [DefinitionIssue(IssuePath.join(path, "quorum"), "is more than the \(policy.approvers.count) named approver(s)")]
                }
            } catch {
                return [DefinitionIssue(path, error.message)]
            }
        default:
            break
        }
        return []
    }

    /// Every issue with `config` for this kind: the schema, the extra rules, secret paths,
    /// credential-looking literals and templates that do not parse.
    public func configIssues(_ config: JSONValue, at path: String) -> [DefinitionIssue] {
        var found = JSONSchemaCheck.issues(config, against: configSchema, at: path)
        guard found.isEmpty else { return found }
        found += extraIssues(config, at: path)
        if let secrets = config["secrets"]?.objectValue {
            for name in secrets.keys.sorted() {
                if let secretPath = secrets[name]?.stringValue, let violation = SecretRules.checkPath(secretPath) {
                    found.append(DefinitionIssue(IssuePath.join(IssuePath.join(path, "secrets"), name), violation.message))
                }
            }
        }
        return found
    }
}
