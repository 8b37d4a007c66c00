import Core

/// Builds the OpenAPI 3.1 document from the route table, so the document cannot describe a
/// route that is not served, nor miss one that is.
public enum OpenAPIDocument {
    public static func build(routes: [RouteSpec]) -> JSON {
        var paths: [String: [String: JSON]] = [:]
        for route in routes {
            paths[route.path, default: [:]][route.method.rawValue.lowercased()] = operation(route)
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "agentd API",
                "version": .string(AgentdVersion.current),
                "description": """
                    Every error is an RFC 9457 problem (application/problem+json) with a stable `code`. \
                    Callers send a bearer API key or session token; on the Unix socket the kernel may \
                    identify them instead (SO_PEERCRED). Each operation's `x-agentd-permission` names \
                    what the caller must be granted.
                    """,
            ],
            "paths": .object(paths.mapValues { .object($0) }),
            "security": [["bearer": []]],
            "components": [
                "schemas": ["Problem": Schemas.problem],
                "securitySchemes": [
                    "bearer": [
                        "type": "http", "scheme": "bearer",
                        "description": "An API key (agk_…) or a login session token (ags_…).",
                    ],
                ],
            ],
        ]
    }

    static func operation(_ route: RouteSpec) -> JSON {
        let op = route.operation
        var object: [String: JSON] = [
            "operationId": .string(op.id),
            "summary": .string(op.summary),
            "tags": [.string(op.tag)],
        ]
        switch route.access {
        case .public: object["security"] = []
        case .authenticated: object["x-agentd-permission"] = "authenticated"
        case .permission(let permission): object["x-agentd-permission"] = .string(permission.rawValue)
        }
        var parameters: [JSON] = route.path.split(separator: "/")
            .filter { $0.hasPrefix("{") && $0.hasSuffix("}") }
            .map { segment in
                ["name": .string(String(segment.dropFirst().dropLast())), "in": "path", "required": true,
                 "schema": ["type": "string"]]
            }
        parameters += op.query.map { ["name": .string($0.name), "in": "query", "schema": $0.schema, "description": .string($0.description)] }
        if !parameters.isEmpty { object["parameters"] = .array(parameters) }
        if let body = op.requestBody {
            object["requestBody"] = ["required": .bool(op.requestBodyRequired), "content": ["application/json": ["schema": body]]]
        }
        var responses: [String: JSON] = [:]
        var success: [String: JSON] = ["description": "Success."]
        if let schema = op.success.schema {
            success["content"] = .object([op.success.contentType: ["schema": schema]])
        } else if op.success.status != 204 {
            success["content"] = .object([op.success.contentType: [:]])
        }
        responses[String(op.success.status)] = .object(success)
        var problemStatuses = Set(op.problems)
        if route.access != .public { problemStatuses.formUnion([401, 403]) }
        problemStatuses.insert(500)
        for status in problemStatuses.sorted() {
            responses[String(status)] = [
                "description": "A problem.",
                "content": ["application/problem+json": ["schema": ["$ref": "#/components/schemas/Problem"]]],
            ]
        }
        object["responses"] = .object(responses)
        return .object(object)
    }
}
