import Core

/// Builds the OpenAPI 3.1 document from the route table, so the document cannot describe a
/// route that is not served, nor miss one that is.
///
/// The problem statuses every route of a given shape can answer are derived here, in one place
/// (see `commonProblems`), from what the middleware and the body decoder really do; a route
/// declares only its own extras (`Operation.problems`). The suite checks every response it
/// receives against this document (Tests/DaemonTests/Contract), so a status, a media type or a
/// body shape that the document does not describe fails the test that received it.
public enum OpenAPIDocument {
    public static func build(routes: [RouteDeclaration]) -> JSON {
        var paths: [String: [String: JSON]] = [:]
        // The console's pages are for browsers, not programs: they are not part of the API.
        for route in routes where !ConsoleRoutes.owns(route.path) {
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
                    what the caller must be granted. Every status an operation can answer is listed \
                    with its body; the rules are in docs/api.md ("The contract").
                    """,
            ],
            "paths": .object(paths.mapValues { .object($0) }),
            "security": [["bearer": []]],
            "components": [
                "schemas": ["Problem": Schemas.problem],
                "headers": headers,
                "securitySchemes": [
                    "bearer": [
                        "type": "http", "scheme": "bearer",
                        "description": "An API key (agk_…) or a login session token (ags_…).",
                    ],
                ],
            ],
        ]
    }

    /// The headers the rate limiter (RateLimitMiddleware) and the problem middleware send.
    static let headers: JSON = [
        "Retry-After": ["description": "Seconds to wait before trying again.", "schema": ["type": "integer", "minimum": 0]],
        "RateLimit-Limit": ["description": "Requests the tightest bucket allows per period.", "schema": ["type": "integer", "minimum": 0]],
        "RateLimit-Remaining": ["description": "Requests left in the tightest bucket.", "schema": ["type": "integer", "minimum": 0]],
        "RateLimit-Reset": ["description": "Seconds until the tightest bucket is full again.", "schema": ["type": "integer", "minimum": 0]],
        "WWW-Authenticate": ["description": "`Bearer`.", "schema": ["type": "string"]],
    ]

    static func header(_ name: String) -> JSON { ["$ref": .string("#/components/headers/\(name)")] }

    /// The problem statuses a route answers because of its shape, whatever its handler does:
    /// - any route: 500 (a failure of agentd), 429 (the rate limiter takes a token from every
    ///   identified caller's buckets, even on public routes);
    /// - a route that needs a caller: 401 (not identified), 403 (permission, CSRF, a key's
    ///   scopes), 503 (the socket user could not be looked up; agentd is stopping);
    /// - a route that changes something: 503 (the writer has stopped: shutting down);
    /// - a path parameter: 404; a query parameter: 400 (`invalid_parameter`, `invalid_cursor`);
    /// - a body: 400 (malformed JSON, too deep, unknown field), 413, 415, 422.
    static func commonProblems(_ route: RouteDeclaration) -> Set<Int> {
        var statuses: Set<Int> = [429, 500]
        if route.access != .public { statuses.formUnion([401, 403, 503]) }
        if route.method != .get && route.method != .head { statuses.insert(503) }
        if route.path.contains("{") { statuses.insert(404) }
        if !route.operation.query.isEmpty { statuses.insert(400) }
        if route.operation.requestBody != nil { statuses.formUnion([400, 413, 415, 422]) }
        return statuses
    }

    static let problemDescriptions: [Int: String] = [
        400: "The request is malformed: JSON syntax or nesting, an unknown field, a query parameter.",
        401: "Not identified: no, or an invalid, API key or session.",
        402: "A budget would be exceeded.",
        403: "Identified, but not allowed.",
        404: "No such resource that you can see.",
        405: "The method is not served at this path.",
        409: "Conflicts with the current state.",
        413: "The body is too large.",
        415: "The body is not `application/json`.",
        422: "The body or its values break a rule; `errors` names each field.",
        429: "Too many requests: wait `Retry-After` seconds.",
        500: "agentd failed; the log entry with this `request_id` has the cause.",
        502: "An upstream (a model server) failed.",
        503: "agentd cannot answer now (not ready, stopping, vault sealed); try again later.",
    ]

    /// Path parameters by name: what each one accepts. IDs are `prefix_` and 26 Crockford
    /// base32 characters whose first is 0-7 (ResourceID); lower case is accepted on input.
    static func pathParameter(_ name: String) -> JSON {
        func id(_ prefix: String, _ what: String) -> JSON {
            ["type": "string", "pattern": .string("^\(prefix)_[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$"), "description": .string(what)]
        }
        func reference(_ what: String) -> JSON { ["type": "string", "minLength": 1, "maxLength": 200, "description": .string(what)] }
        switch name {
        case "execution": return id("ex", "An execution ID (ex_…).")
        case "key": return id("agk", "An API key ID (agk_…).")
        case "session": return id("ags", "A session ID (ags_…).")
        case "version": return ["type": "string", "pattern": "^[1-9][0-9]{0,17}$", "description": "A version number (1, 2, …)."]
        case "org": return reference("An org ID (org_…) or name.")
        case "user": return reference("A user ID (usr_…) or login.")
        case "team": return reference("A team ID (team_…) or name.")
        case "agent": return reference("An agent ID (ag_…) or name.")
        case "workflow": return reference("A workflow ID (wf_…) or name.")
        case "model": return reference("A model ID (mdl_…) or name.")
        case "role": return reference("A role name.")
        default: return reference("An ID or name.")
        }
    }

    static func operation(_ route: RouteDeclaration) -> JSON {
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
                let name = String(segment.dropFirst().dropLast())
                return ["name": .string(name), "in": "path", "required": true, "schema": pathParameter(name)]
            }
        parameters += op.query.map {
            ["name": .string($0.name), "in": "query", "required": .bool(op.requiredQuery.contains($0.name)),
             "schema": $0.schema, "description": .string($0.description)]
        }
        if !parameters.isEmpty { object["parameters"] = .array(parameters) }
        if let body = op.requestBody {
            let content: JSON = ["schema": body]
            object["requestBody"] = ["required": .bool(op.requestBodyRequired),
                                     "content": ["application/json": content, "application/merge-patch+json": content]]
        }
        var responses: [String: JSON] = [:]
        var success: [String: JSON] = ["description": "Success."]
        if op.success.status != 204 {
            var content: [String: JSON] = op.alternativeContent
            content[op.success.contentType] = op.success.schema.map { ["schema": $0] } ?? [:]
            success["content"] = .object(content)
        }
        if route.access != .public {
            success["headers"] = ["RateLimit-Limit": header("RateLimit-Limit"), "RateLimit-Remaining": header("RateLimit-Remaining"),
                                  "RateLimit-Reset": header("RateLimit-Reset")]
        }
        for status in [op.success.status] + op.otherSuccesses { responses[String(status)] = .object(success) }
        for status in commonProblems(route).union(op.problems).sorted() where responses[String(status)] == nil {
            var response: [String: JSON] = [
                "description": .string(problemDescriptions[status] ?? "A problem."),
                "content": ["application/problem+json": ["schema": ["$ref": "#/components/schemas/Problem"]]],
            ]
            switch status {
            case 401: response["headers"] = ["WWW-Authenticate": header("WWW-Authenticate")]
            case 429: response["headers"] = ["Retry-After": header("Retry-After"), "RateLimit-Limit": header("RateLimit-Limit"),
                                             "RateLimit-Remaining": header("RateLimit-Remaining"), "RateLimit-Reset": header("RateLimit-Reset")]
            default: break
            }
            responses[String(status)] = .object(response)
        }
        object["responses"] = .object(responses)
        return .object(object)
    }
}
