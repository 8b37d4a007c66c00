import Core
import Foundation
import Hummingbird
import Storage

/// Share links (`agentctl share link|links|revoke`, docs/collaboration.md#share-links): a
/// read-only link to one workflow or execution that works without a login until it expires
/// or is revoked, each opening audited.
public enum ShareRoutes: RouteFile {
    static let link: JSON = [
        "type": "object", "required": ["id", "on", "created_at", "expires_at", "state", "uses"],
        "properties": [
            "id": ["type": "string"], "on": ["type": "string", "description": "workflow/NAME or execution/ID."],
            "created_by": ["type": "string"], "created_at": Schemas.timestamp, "expires_at": Schemas.timestamp,
            "revoked_at": ["type": ["string", "null"], "format": "date-time"], "state": ["enum": ["open", "expired", "revoked"]],
            "uses": ["type": "integer"], "last_used_at": ["type": ["string", "null"], "format": "date-time"],
            "token": ["type": "string", "description": "Only in the answer to its creation: the link's secret, shown once."],
            "url": ["type": "string", "description": "Only in the answer to its creation: the page to give out."],
        ],
    ]

    public typealias Services = ShareService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.post, "/api/v1/share-links", needs: .permission(.shareLinks),
                      Operation(id: "createShareLink", summary: "Make a read-only link to a workflow or an execution you may open (the token is shown once).",
                                tag: "sharing", requestBody: CreateBody.schema.json, success: (201, link, "application/json"),
                                problems: [400, 404, 409, 413, 415, 422]),
                      handler: create),
            RouteSpec(.get, "/api/v1/share-links", needs: .permission(.shareLinks),
                      Operation(id: "listShareLinks", summary: "Share links to what you may open, newest first.", tag: "sharing",
                                query: [("on", ["type": "string"], "Only links to this workflow/NAME or execution/ID.")],
                                success: (200, Schemas.list(of: link), "application/json"), problems: [400, 404]),
                      handler: list),
            RouteSpec(.delete, "/api/v1/share-links/{link}", needs: .permission(.shareLinks),
                      Operation(id: "revokeShareLink", summary: "Revoke a share link: it opens nothing from now on.", tag: "sharing",
                                success: (200, link, "application/json"), problems: [404]),
                      handler: revoke),
            RouteSpec(.get, "/api/v1/shared/{token}", needs: .public,
                      Operation(id: "openShareLink", summary: "What a share link opens, read-only, without a login (each opening audited).",
                                tag: "sharing", success: (200, ["type": "object"], "application/json"), problems: [404, 410]),
                      handler: open),
            RouteSpec(.get, "/ui/shared/{token}", needs: .public,
                      Operation(id: "consoleShared", summary: "A share link's page.", tag: "console", success: (200, nil, "text/html"), problems: [404, 410]),
                      handler: page),
        ]
    }

    struct CreateBody: RequestBody {
        let on: String
        let expiresIn: String?
        enum CodingKeys: String, CodingKey { case on, expiresIn = "expires_in" }
        static let schema = ObjectSchema([
            .init("on", ["type": "string", "minLength": 3, "maxLength": 300], required: true, "workflow/NAME or execution/ID."),
            .init("expires_in", ["type": "string"], "How long it opens: 90m, 24h, 7d (default 7d, at most 30d)."),
        ])
    }

    static func create(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(CreateBody.self, from: request, limits: services.limits)
        let (kind, reference) = try CommentRoutes.target(body.on, name: "on")
        let lifetime = try ShareLinkRules.lifetime(body.expiresIn)
        let (record, token) = try await services.create(kind, reference, lifetime: lifetime, context: context.change(services.clock))
        guard case .object(var object) = resource(record, now: services.clock.now()) else { throw APIError.notReady("link") }
        object["token"] = .string(token.text)
        object["url"] = .string(services.publicURL.text + "/ui/shared/" + token.text)
        var response = DefinitionResources.respond(.created, .object(object))
        response.headers[.cacheControl] = "no-store"
        return response
    }

    static func list(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let on = try request.uri.queryParameters["on"].map { try CommentRoutes.target(String($0), name: "on") }
        let links = try await services.links.list(in: context.scope(), on: on)
        let now = services.clock.now()
        return DefinitionResources.respond(.ok, DefinitionResources.list(links.map { resource($0, now: now) }, next: nil))
    }

    static func revoke(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let record = try await services.links.revoke(context.parameters.require("link"), context: context.change(services.clock))
        return DefinitionResources.respond(.ok, resource(record, now: services.clock.now()))
    }

    static func client(_ context: AgentRequestContext) -> String {
        context.isUnixSocket ? "socket" : (context.channel.remoteAddress?.ipAddress ?? "unknown")
    }

    static func open(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let (link, shown) = try await services.open(context.parameters.require("token"), client: client(context), requestID: context.requestID)
        var response = DefinitionResources.respond(.ok, ["link": ["kind": .string(link.target.rawValue), "expires_at": .string(link.expiresAt.rfc3339)],
                                                         link.target.rawValue: shown])
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// The page a person given the link sees: what it opens, read-only, and until when.
    static func page(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let (link, shown) = try await services.open(context.parameters.require("token"), client: client(context), requestID: context.requestID)
        var data: [String: Any] = ["title": "Shared \(link.target.rawValue)", "assets": ConsoleAssets.paths, "kind": link.target.rawValue,
                                   "expires": ConsoleView.time(link.expiresAt)]
        guard case .object(let object) = shown else { throw APIError.notReady("link") }
        data["name"] = object["workflow"]?.stringValue ?? object["name"]?.stringValue ?? ""
        data["status"] = object["status"]?.stringValue as Any
        data["fields"] = object.keys.sorted().filter { $0 != "steps" }.map { key in ["key": key, "value": ConsoleView.json(object[key] ?? .null)] }
        if case .array(let steps)? = object["steps"] {
            data["hasSteps"] = !steps.isEmpty
            data["steps"] = steps.map { step -> [String: Any] in
                guard case .object(let fields) = step else { return [:] }
                return ["node": fields["node"]?.stringValue ?? "", "status": fields["status"]?.stringValue ?? "",
                        "output": fields["output"].map(ConsoleView.json) ?? "", "error": fields["error"].map(ConsoleView.json) ?? ""]
            }
        }
        var response = HTMLResponse.page(ConsoleView.render("shared", data))
        response.headers[.cacheControl] = "no-store"
        return response
    }

    static func resource(_ record: ShareLinkRecord, now: Instant) -> JSONValue {
        let state = ShareLinkRules.closed(expiresAt: record.expiresAt, revokedAt: record.revokedAt, now: now)
        return [
            "id": .string(record.id.rawValue),
            "on": .string("\(record.target.rawValue)/\(record.target == .workflow ? record.targetName : record.targetID)"),
            "created_by": .string(record.createdBy), "created_at": .string(record.createdAt.rfc3339), "expires_at": .string(record.expiresAt.rfc3339),
            "revoked_at": record.revokedAt.map { .string($0.rfc3339) } ?? .null,
            "state": .string(state == nil ? "open" : state == .expired ? "expired" : "revoked"),
            "uses": .integer(record.uses), "last_used_at": record.lastUsedAt.map { .string($0.rfc3339) } ?? .null,
        ]
    }
}
