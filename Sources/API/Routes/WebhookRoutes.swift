import Core
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Storage

/// Webhook receivers (`agentctl webhooks`, docs/triggers.md): `POST /hooks/{id}` with a body
/// signed by the webhook's secret starts its workflow. Managing them needs webhooks.manage;
/// reading them and their deliveries, workflows.view. The receiver itself is public: the
/// signature is its credential.
public enum WebhookRoutes: RouteFile {
    static let schema: JSON = [
        "type": "object", "required": ["id", "name", "workflow", "environment", "url", "secret_path"],
        "properties": [
            "id": ["type": "string"], "name": ["type": "string"], "workflow": ["type": "string"],
            "environment": Schemas.environment, "team": ["type": ["string", "null"]],
            "url": ["type": "string", "description": "The receiver's path: POST it, signed."],
            "secret_path": ["type": "string"], "transform": ["type": ["string", "null"]],
            "rate_per_minute": ["type": "integer"], "max_body_bytes": ["type": "integer"], "tolerance_seconds": ["type": "integer"],
            "allow_from": ["type": "array", "items": ["type": "string"]],
            "secret": ["type": "string", "description": "Only when agentd generated it, in this response only."],
            "secret_version": ["type": "integer"],
            "created_by": ["type": "string"], "created_at": Schemas.timestamp, "updated_at": Schemas.timestamp,
        ],
    ]
    static let deliverySchema: JSON = [
        "type": "object", "required": ["seq", "received_at", "outcome"],
        "properties": [
            "seq": ["type": "integer"], "delivery_id": ["type": ["string", "null"]], "received_at": Schemas.timestamp,
            "outcome": ["enum": .array(WebhookDeliveryStatus.allCases.map { .string($0.rawValue) })],
            "execution_id": ["type": ["string", "null"]], "remote": ["type": ["string", "null"]], "detail": ["type": ["string", "null"]],
        ],
    ]
    static let receiptSchema: JSON = [
        "type": "object", "required": ["delivery_id", "execution_id", "execution_status"],
        "properties": [
            "delivery_id": ["type": "string"], "execution_id": ["type": "string"],
            "execution_status": ["enum": .array(ExecutionStatus.allCases.map { .string($0.rawValue) })],
            "output": [:], "error": [:],
        ],
    ]

    public typealias Services = WebhookService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.post, "/api/v1/webhooks", needs: .permission(.webhooksManage),
                      Operation(id: "createWebhook", summary: "Create a webhook receiver for a workflow; generates its secret when the path has none.",
                                tag: "webhooks", requestBody: CreateBody.schema.json, success: (201, schema, "application/json"),
                                problems: [400, 404, 409, 413, 415, 422, 503]),
                      handler: create),
            RouteSpec(.get, "/api/v1/webhooks", needs: .permission(.workflowsView),
                      Operation(id: "listWebhooks", summary: "The webhooks you can see.", tag: "webhooks", query: Pagination.parameters,
                                success: (200, Schemas.list(of: schema), "application/json")),
                      handler: list),
            RouteSpec(.get, "/api/v1/webhooks/{webhook}", needs: .permission(.workflowsView),
                      Operation(id: "getWebhook", summary: "One webhook (ID or name).", tag: "webhooks",
                                success: (200, schema, "application/json"), problems: [404]),
                      handler: get),
            RouteSpec(.post, "/api/v1/webhooks/{webhook}/rotate", needs: .permission(.webhooksManage),
                      Operation(id: "rotateWebhook", summary: "A new secret (returned once); the old one stops verifying.", tag: "webhooks",
                                success: (200, schema, "application/json"), problems: [404, 503]),
                      handler: rotate),
            RouteSpec(.delete, "/api/v1/webhooks/{webhook}", needs: .permission(.webhooksManage),
                      Operation(id: "deleteWebhook", summary: "Remove a webhook and its deliveries (its secret stays in the vault).", tag: "webhooks",
                                success: (204, nil, "application/json"), problems: [404]),
                      handler: delete),
            RouteSpec(.get, "/api/v1/webhooks/{webhook}/deliveries", needs: .permission(.workflowsView),
                      Operation(id: "webhookDeliveries", summary: "Each delivery, newest first: accepted (with its execution) or why not.",
                                tag: "webhooks", query: Pagination.parameters,
                                success: (200, Schemas.list(of: deliverySchema), "application/json"), problems: [400, 404]),
                      handler: deliveries),
            RouteSpec(.post, "/hooks/{webhook}", needs: .public,
                      Operation(id: "receiveWebhook",
                                summary: "Deliver to a webhook: a JSON or form body signed in Agentd-Signature (t=UNIX_SECONDS,v1=hex HMAC-SHA256 of \"t.body\").",
                                tag: "webhooks",
                                query: [("wait", ["type": "string", "pattern": "^[0-9]+(ms|s)$"],
                                         "Wait up to this long (at most 30s) for the execution to end, and answer with its result.")],
                                requestBody: ["type": "object"], success: (202, receiptSchema, "application/json"),
                                problems: [400, 401, 409, 413, 415, 422, 429, 503], otherSuccesses: [200]),
                      handler: receive),
        ]
    }

    struct CreateBody: RequestBody {
        let name: String
        let workflow: String
        let secretPath: String
        let environment: String?
        let transform: String?
        let ratePerMinute: Int?
        let maxBodyBytes: Int?
        let toleranceSeconds: Int?
        let allowFrom: [String]?
        let team: String?
        enum CodingKeys: String, CodingKey {
            case name, workflow, environment, transform, team
            case secretPath = "secret_path", ratePerMinute = "rate_per_minute", maxBodyBytes = "max_body_bytes"
            case toleranceSeconds = "tolerance_seconds", allowFrom = "allow_from"
        }
        static let schema = ObjectSchema([
            .init("name", ["type": "string"], required: true, "Unique in the org."),
            .init("workflow", ["type": "string"], required: true, "The workflow (name or ID) a delivery starts."),
            .init("secret_path", ["type": "string"], required: true,
                  "Vault path of the signing secret in `environment`; agentd generates one when the path has none."),
            .init("environment", Schemas.environment, "Run the version deployed here; the secret is this environment's (default dev)."),
            .init("transform", ["type": "string", "maxLength": JSON.number(Double(WebhookTransform.maximumBytes))],
                  "A JSON object with templates reading body, headers, query, webhook, delivery: {\"order\": {{ body.data.id }}}. None: the body is the input."),
            .init("rate_per_minute", ["type": "integer", "minimum": 1, "maximum": 1_000_000], "Deliveries accepted per minute (default 600)."),
            .init("max_body_bytes", ["type": "integer", "minimum": 1, "maximum": 1_048_576], "Largest body (default 262144)."),
            .init("tolerance_seconds", ["type": "integer", "minimum": 1, "maximum": 86_400],
                  "How far the signature's t may be from agentd's clock (default 300)."),
            .init("allow_from", ["type": "array", "items": ["type": "string"], "maxItems": 64], "Addresses or CIDRs deliveries may come from; none: any."),
            .init("team", ["type": "string"], "A team of yours that owns it; a team's workflow must have its team's webhook."),
        ])
    }

    static func create(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(CreateBody.self, from: request, limits: services.limits)
        let environment = try EnvironmentName.parse(body.environment ?? "dev", field: "environment")
        if let transform = body.transform { _ = try WebhookTransform(transform) }
        let new = NewWebhook(name: body.name, workflow: body.workflow, environment: environment, secretPath: body.secretPath, transform: body.transform,
                             ratePerMinute: body.ratePerMinute ?? WebhookLimits.defaultRatePerMinute,
                             maxBodyBytes: body.maxBodyBytes ?? WebhookLimits.defaultBodyBytes,
                             toleranceSeconds: body.toleranceSeconds ?? WebhookLimits.defaultToleranceSeconds,
                             allowFrom: body.allowFrom ?? [], team: body.team)
        let (record, secret) = try await services.create(new, context: context.change(services.clock))
        return DefinitionResources.respond(.created, resource(record, secret: secret))
    }

    static func list(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let page = try await services.webhooks.list(in: context.scope(), page: Pagination.request(from: request, listing: "webhooks"))
        return DefinitionResources.respond(.ok, DefinitionResources.list(page.items.map { resource($0) },
                                                                         next: page.nextAfter.map { Pagination.cursor(after: $0, listing: "webhooks") }))
    }

    static func get(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        DefinitionResources.respond(.ok, resource(try await services.webhooks.get(context.parameters.require("webhook"), in: context.scope())))
    }

    static func rotate(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let (record, secret, version) = try await services.rotate(context.parameters.require("webhook"), context: context.change(services.clock))
        return DefinitionResources.respond(.ok, resource(record, secret: secret, version: version))
    }

    static func delete(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try await services.delete(context.parameters.require("webhook"), context: context.change(services.clock))
        return Response(status: .noContent)
    }

    static func deliveries(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let page = try await services.webhooks.deliveries(context.parameters.require("webhook"), in: context.scope(),
                                                          page: Pagination.request(from: request, listing: "webhook-deliveries"))
        let items: [JSONValue] = page.items.map { delivery in
            ["seq": .integer(Int(delivery.seq)), "delivery_id": delivery.deliveryID.map(JSONValue.string) ?? .null,
             "received_at": .string(delivery.receivedAt.rfc3339), "outcome": .string(delivery.outcome.rawValue),
             "execution_id": delivery.executionID.map(JSONValue.string) ?? .null, "remote": delivery.remote.map(JSONValue.string) ?? .null,
             "detail": delivery.detail.map(JSONValue.string) ?? .null]
        }
        return DefinitionResources.respond(.ok, DefinitionResources.list(items, next: page.nextAfter.map {
            Pagination.cursor(after: $0, listing: "webhook-deliveries")
        }))
    }

    /// Most a sender may ask to wait (`?wait=`).
    static let maximumWaitMs: Int64 = 30_000

    static func receive(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        var waitMs: Int64?
        if let text = request.uri.queryParameters["wait"].map(String.init) {
            let parsed = text.hasSuffix("ms") ? Int64(text.dropLast(2)) : TimeFilter.milliseconds(text)
            guard let parsed, parsed >= 0, text.last == "s" else {
                throw APIError.invalidParameter(name: "wait", "must be a duration like 5s or 500ms; got `\(text)`")
            }
            waitMs = min(parsed, maximumWaitMs)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: WebhookLimits.bodyBytes.upperBound)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.bodyTooLarge(limit: WebhookLimits.bodyBytes.upperBound)
        }
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            if ["authorization", "cookie", "agentd-signature", "proxy-authorization"].contains(name) { continue }
            headers[name] = headers[name].map { $0 + ", " + field.value } ?? field.value
        }
        var query: [String: String] = [:]
        for (name, value) in request.uri.queryParameters where name != "wait" { query[String(name)] = String(value) }
        let delivery = WebhookService.Delivery(
            body: Array(buffer.readableBytesView), contentType: request.headers[.contentType],
            signature: request.headers[HTTPField.Name(WebhookSignature.header)!], deliveryID: request.headers[HTTPField.Name(WebhookSignature.deliveryHeader)!],
            headers: headers, query: query, remote: context.isUnixSocket ? nil : context.channel.remoteAddress?.ipAddress)
        let (webhook, started, deliveryID) = try await services.receive(context.parameters.require("webhook"), delivery)
        var receipt: [String: JSONValue] = ["delivery_id": .string(deliveryID), "execution_id": .string(started.id.rawValue),
                                            "execution_status": .string(started.status.rawValue)]
        guard let waitMs, waitMs > 0 else { return DefinitionResources.respond(.accepted, .object(receipt)) }
        let ended = try await services.awaitEnd(started, of: webhook, timeout: .milliseconds(waitMs))
        receipt["execution_status"] = .string(ended.status.rawValue)
        guard ended.status.isTerminal else { return DefinitionResources.respond(.accepted, .object(receipt)) }
        receipt["output"] = ended.output ?? .null
        receipt["error"] = ended.error ?? .null
        return DefinitionResources.respond(.ok, .object(receipt))
    }

    static func resource(_ record: WebhookRecord, secret: String? = nil, version: Int? = nil) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(record.id.rawValue), "name": .string(record.name), "workflow": .string(record.workflowName),
            "environment": .string(record.environment.rawValue), "team": record.teamID.map { .string($0.rawValue) } ?? .null,
            "url": .string("/hooks/\(record.id.rawValue)"), "secret_path": .string(record.secretPath),
            "transform": record.transform.map(JSONValue.string) ?? .null, "rate_per_minute": .integer(record.ratePerMinute),
            "max_body_bytes": .integer(record.maxBodyBytes), "tolerance_seconds": .integer(record.toleranceSeconds),
            "allow_from": .array(record.allowFrom.map(JSONValue.string)), "created_by": .string(record.createdBy),
            "created_at": .string(record.createdAt.rfc3339), "updated_at": .string(record.updatedAt.rfc3339),
        ]
        if let secret { object["secret"] = .string(secret) }
        if let version { object["secret_version"] = .integer(version) }
        return .object(object)
    }
}
