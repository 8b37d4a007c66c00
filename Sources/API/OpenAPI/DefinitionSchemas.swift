/// Response schemas of the definition routes.
extension Schemas {
    static let agentVersion: JSON = [
        "type": "object", "required": ["agent_id", "version", "content_hash", "published", "created_at", "created_by", "definition"],
        "properties": [
            "agent_id": ["type": "string"], "version": ["type": "integer"], "content_hash": ["type": "string"],
            "message": ["type": ["string", "null"]], "parent_version": ["type": ["integer", "null"]], "published": ["type": "boolean"],
            "created_at": timestamp, "created_by": ["type": "string"],
            "definition": ["type": "object", "description": "The agent document, as `agent: NAME` YAML holds it."],
        ],
    ]

    static let agent: JSON = [
        "type": "object", "required": ["id", "org_id", "name", "kind", "tags", "latest_version", "created_at", "updated_at"],
        "properties": [
            "id": ["type": "string"], "org_id": ["type": "string"], "name": ["type": "string"], "kind": ["type": "string"],
            "description": ["type": ["string", "null"]], "team_id": ["type": ["string", "null"]], "team": ["type": ["string", "null"]],
            "tags": ["type": "array", "items": ["type": "string"]], "latest_version": ["type": "integer"],
            "published_version": ["type": ["integer", "null"]], "created_at": timestamp, "created_by": ["type": "string"],
            "updated_at": timestamp, "updated_by": ["type": "string"], "version": agentVersion,
        ],
    ]

    static let workflowVersion: JSON = [
        "type": "object", "required": ["workflow_id", "version", "content_hash", "created_at", "created_by", "agents", "definition"],
        "properties": [
            "workflow_id": ["type": "string"], "version": ["type": "integer"], "content_hash": ["type": "string"],
            "message": ["type": ["string", "null"]], "parent_version": ["type": ["integer", "null"]],
            "created_at": timestamp, "created_by": ["type": "string"],
            "agents": ["type": "object", "description": "Node id → the agent version it runs (agent_id, agent, version, kind)."],
            "definition": ["type": "object", "description": "The workflow document, as `workflow: NAME` YAML holds it."],
        ],
    ]

    static let workflow: JSON = [
        "type": "object", "required": ["id", "org_id", "name", "tags", "latest_version", "deployments", "created_at", "updated_at"],
        "properties": [
            "id": ["type": "string"], "org_id": ["type": "string"], "name": ["type": "string"],
            "description": ["type": ["string", "null"]], "team_id": ["type": ["string", "null"]], "team": ["type": ["string", "null"]],
            "tags": ["type": "array", "items": ["type": "string"]], "latest_version": ["type": "integer"],
            "deployments": ["type": "object", "description": "Environment → {version, deployed_at, deployed_by}."],
            "created_at": timestamp, "created_by": ["type": "string"], "updated_at": timestamp, "updated_by": ["type": "string"],
            "version": workflowVersion,
        ],
    ]

    static let applyOutcome: JSON = [
        "type": "object", "required": ["type", "name", "id", "version", "changed", "created"],
        "properties": [
            "type": ["enum": ["agent", "workflow"]], "name": ["type": "string"], "id": ["type": "string"], "version": ["type": "integer"],
            "changed": ["type": "boolean", "description": "false: identical to the newest version, nothing stored."],
            "created": ["type": "boolean"], "deployed_to": ["type": ["string", "null"]],
        ],
    ]

    static let applyResult: JSON = [
        "type": "object", "required": ["results", "changed"],
        "properties": ["results": ["type": "array", "items": applyOutcome], "changed": ["type": "boolean"]],
    ]

    static let fieldChange: JSON = [
        "type": "object", "required": ["op", "path"],
        "properties": ["op": ["enum": ["added", "removed", "changed"]], "path": ["type": "string"], "before": [:], "after": [:]],
    ]

    static let agentDiff: JSON = [
        "type": "object", "required": ["from", "to", "changes", "lines"],
        "properties": [
            "from": ["type": "integer"], "to": ["type": "integer"], "changes": ["type": "array", "items": fieldChange],
            "lines": ["type": "array", "items": ["type": "string"]],
        ],
    ]

    static let workflowDiff: JSON = [
        "type": "object", "required": ["from", "to", "fields", "nodes_added", "nodes_removed", "nodes_changed", "edges_added", "edges_removed", "lines"],
        "properties": [
            "from": ["type": "integer"], "to": ["type": "integer"], "fields": ["type": "array", "items": fieldChange],
            "nodes_added": ["type": "array", "items": ["type": "string"]], "nodes_removed": ["type": "array", "items": ["type": "string"]],
            "nodes_changed": ["type": "array", "items": ["type": "object", "properties": [
                "node": ["type": "string"], "changes": ["type": "array", "items": fieldChange],
            ]]],
            "edges_added": ["type": "array", "items": ["type": "string"]], "edges_removed": ["type": "array", "items": ["type": "string"]],
            "agents": ["type": "array", "items": fieldChange], "lines": ["type": "array", "items": ["type": "string"]],
        ],
    ]

    static let agentKinds: JSON = [
        "type": "object", "required": ["items"],
        "properties": ["items": ["type": "array", "items": ["type": "object", "properties": [
            "kind": ["type": "string"], "summary": ["type": "string"], "config_schema": ["type": "object"], "output_schema": [:],
        ]]]],
    ]
}

/// Response schemas of the execution routes.
extension Schemas {
    static let execution: JSON = [
        "type": "object", "required": ["id", "workflow", "version", "environment", "status", "input", "steps_total", "steps_done", "created_at"],
        "properties": [
            "id": ["type": "string"], "org_id": ["type": "string"], "workflow": ["type": "string"], "workflow_id": ["type": "string"],
            "version": ["type": "integer"], "environment": ["type": "string"],
            "status": ["enum": ["queued", "running", "waiting", "succeeded", "failed", "cancelled"]],
            "input": ["type": "object"], "output": [:], "error": [:], "trigger": ["type": "string"],
            "parent_execution_id": ["type": ["string", "null"]], "steps_total": ["type": "integer"], "steps_done": ["type": "integer"],
            "created_by": ["type": "string"], "created_at": timestamp, "finished_at": ["type": ["string", "null"]],
            "cost": ["type": "object", "description": "What its llm steps spent: integer micro-dollars and tokens.", "properties": [
                "cost_micros": ["type": "integer"], "cost": ["type": "string"], "prompt_tokens": ["type": "integer"], "completion_tokens": ["type": "integer"],
            ]],
            "pii_masked": ["type": "object", "additionalProperties": ["type": "integer"],
                           "description": "Findings masked under the privacy policy so far, by kind (`{\"email\": 3}`); counts, never values."],
            "steps": ["type": "array", "items": ["type": "object", "properties": [
                "node": ["type": "string"], "status": ["type": "string"], "attempt": ["type": "integer"], "output": [:], "error": [:],
                "started_at": ["type": ["string", "null"]], "finished_at": ["type": ["string", "null"]],
            ]]],
        ],
    ]

    static let executionEvents: JSON = [
        "type": "object", "required": ["items", "status"],
        "properties": [
            "status": ["type": "string"],
            "items": ["type": "array", "items": ["type": "object", "properties": [
                "seq": ["type": "integer"], "at": timestamp, "type": ["type": "string"], "node": ["type": ["string", "null"]],
                "attempt": ["type": ["integer", "null"]], "data": [:],
            ]]],
        ],
    ]

    static let breakers: JSON = [
        "type": "object", "required": ["items"],
        "properties": ["items": ["type": "array", "items": ["type": "object", "properties": [
            "org": ["type": "string", "description": "The org whose calls it counts (breakers are per org and endpoint)."],
            "endpoint": ["type": "string"], "state": ["enum": ["closed", "open", "half_open"]], "recent_failures": ["type": "integer"],
            "opens": ["type": "integer"], "opened_at": ["type": ["string", "null"]],
        ]]]],
    ]
}
