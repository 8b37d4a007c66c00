import Core
import Foundation
import Hummingbird
import Storage

/// Failures grouped by fingerprint (`agentctl errors`, docs/observability.md#errors): kind, node
/// and normalised message, with first and last seen, a count, the workflows affected and a sample
/// execution, over the workflows the caller can see. Needs errors.view.
public enum ErrorRoutes: RouteFile {
    static let schema: JSON = [
        "type": "object", "required": ["fingerprint", "kind", "message", "count", "first_seen", "last_seen", "sample_execution_id", "workflows"],
        "properties": [
            "fingerprint": ["type": "string", "description": "16 hex digits over kind, node and the normalised message."],
            "kind": ["type": "string"], "node": ["type": ["string", "null"]],
            "message": ["type": "string", "description": "The message with numbers, ids, addresses and hex replaced (<n>, <id>, <ip>, <hex>)."],
            "sample_message": ["type": "string", "description": "The latest occurrence's message."],
            "sample_execution_id": ["type": "string"], "count": ["type": "integer"],
            "first_seen": Schemas.timestamp, "last_seen": Schemas.timestamp,
            "workflows": ["type": "array", "items": ["type": "object", "properties": [
                "id": ["type": "string"], "name": ["type": "string"], "count": ["type": "integer"], "last_seen": Schemas.timestamp,
                "sample_execution_id": ["type": "string"]]]],
        ],
    ]

    public typealias Services = ExecutionService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.get, "/api/v1/errors", needs: .permission(.errorsView),
                      Operation(id: "listErrors", summary: "Failures grouped by fingerprint, the most recently seen first.", tag: "executions",
                                query: [("since", ["type": "string"], "Only groups seen since: RFC 3339 or a duration back (7d)."),
                                        ("workflow", ["type": "string"], "Only failures of this workflow (name or ID)."),
                                        ("kind", ["type": "string"], "Only this error kind (timeout, http_error, …)."),
                                        ("limit", ["type": "integer", "minimum": 1, "maximum": 500], "At most this many groups (default 50).")],
                                success: (200, Schemas.list(of: schema), "application/json"), problems: [400]),
                      handler: list),
            RouteSpec(.get, "/api/v1/errors/{fingerprint}", needs: .permission(.errorsView),
                      Operation(id: "getError", summary: "One group: its count, times, the workflows it hit and a sample execution of each.",
                                tag: "executions", success: (200, schema, "application/json"), problems: [404]),
                      handler: get),
        ]
    }

    static func list(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let query = request.uri.queryParameters
        var filter = ErrorGroupStore.Filter()
        if let text = query["since"].map(String.init) {
            guard let since = TimeFilter.instant(text, now: services.clock.now()) else {
                throw APIError.invalidParameter(name: "since", "must be an RFC 3339 UTC time or a duration like 30m, 1h, 7d; got `\(text)`")
            }
            filter.since = since
        }
        if let text = query["limit"].map(String.init) {
            guard let limit = Int(text), (1...500).contains(limit) else { throw APIError.invalidParameter(name: "limit", "must be 1 to 500; got `\(text)`") }
            filter.limit = limit
        }
        filter.workflow = query["workflow"].map(String.init)
        filter.kind = query["kind"].map(String.init)
        let groups = try await services.executions.errors.list(in: context.scope(), filter: filter)
        return DefinitionResources.respond(.ok, DefinitionResources.list(groups.map(resource), next: nil))
    }

    static func get(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        DefinitionResources.respond(.ok, resource(try await services.executions.errors.get(context.parameters.require("fingerprint"), in: context.scope())))
    }

    static func resource(_ group: ErrorGroup) -> JSONValue {
        [
            "fingerprint": .string(group.fingerprint), "kind": .string(group.kind), "node": group.node.map(JSONValue.string) ?? .null,
            "message": .string(group.message), "sample_message": .string(group.sampleMessage),
            "sample_execution_id": .string(group.sampleExecution), "count": .integer(group.count),
            "first_seen": .string(group.firstSeen.rfc3339), "last_seen": .string(group.lastSeen.rfc3339),
            "workflows": .array(group.workflows.map { workflow in
                ["id": .string(workflow.id), "name": .string(workflow.name), "count": .integer(workflow.count),
                 "last_seen": .string(workflow.lastSeen.rfc3339), "sample_execution_id": .string(workflow.sampleExecution)]
            }),
        ]
    }
}
