import Core
import Foundation
import Hummingbird
import Storage

/// An org's environments (`agentctl envs`, docs/governance.md#environments): dev, staging and
/// prod always, those the org adds, and each one's settings (model overrides, egress lists,
/// concurrency, protection). Reading needs workflows.view; adding, changing and deleting need
/// environments.manage.
public enum EnvironmentRoutes: RouteFile {
    static let settingsSchema: JSON = [
        "type": "object",
        "properties": [
            "models": ["type": "object", "additionalProperties": ["type": "string"],
                       "description": "A model a step names -> the model used here."],
            "egress": ["type": ["object", "null"], "properties": [
                "allow": ["type": "array", "items": ["type": "string"]], "deny": ["type": "array", "items": ["type": "string"]]]],
            "concurrency": ["type": ["integer", "null"], "description": "At most this many of the org's executions run here at once."],
            "protected": ["type": "boolean", "description": "Deploys and secret writes here are held like prod's (deploy.prod, secret.prod)."],
        ],
    ]
    static let schema: JSON = [
        "type": "object", "required": ["name", "built_in", "protected", "description", "settings"],
        "properties": [
            "name": Schemas.environment, "built_in": ["type": "boolean"], "protected": ["type": "boolean"],
            "description": ["type": "string"], "settings": settingsSchema,
            "updated_at": ["type": ["string", "null"], "format": "date-time"], "updated_by": ["type": ["string", "null"]],
            "in_use": ["type": "object", "description": "What uses it (one environment's answer only).", "properties": [
                "deployments": ["type": "integer"], "secrets": ["type": "integer"], "schedules": ["type": "integer"],
                "webhooks": ["type": "integer"], "unfinished_executions": ["type": "integer"]]],
        ],
    ]

    public typealias Services = DefinitionService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.get, "/api/v1/environments", needs: .permission(.workflowsView),
                      Operation(id: "listEnvironments", summary: "The org's environments: dev, staging, prod and those it added, with their settings.",
                                tag: "workflows", success: (200, Schemas.list(of: schema), "application/json")),
                      handler: list),
            RouteSpec(.post, "/api/v1/environments", needs: .permission(.environmentsManage),
                      Operation(id: "createEnvironment", summary: "Add an environment (qa, prod-eu): its own deployments, secrets and settings.",
                                tag: "workflows", requestBody: CreateBody.schema.json, success: (201, schema, "application/json"),
                                problems: [400, 409, 413, 415, 422]),
                      handler: create),
            RouteSpec(.get, "/api/v1/environments/{environment}", needs: .permission(.workflowsView),
                      Operation(id: "getEnvironment", summary: "One environment: its settings and what uses it.", tag: "workflows",
                                success: (200, schema, "application/json"), problems: [404]),
                      handler: get),
            RouteSpec(.put, "/api/v1/environments/{environment}", needs: .permission(.environmentsManage),
                      Operation(id: "updateEnvironment", summary: "Change an environment's description or settings (settings given replace all of them).",
                                tag: "workflows", requestBody: UpdateBody.schema.json, success: (200, schema, "application/json"),
                                problems: [400, 404, 413, 415, 422]),
                      handler: update),
            RouteSpec(.delete, "/api/v1/environments/{environment}", needs: .permission(.environmentsManage),
                      Operation(id: "deleteEnvironment", summary: "Delete an environment the org added, with its deployments, once no secret, schedule, webhook or unfinished execution uses it.", tag: "workflows",
                                success: (204, nil, "application/json"), problems: [404, 409]),
                      handler: delete),
        ]
    }

    struct CreateBody: RequestBody {
        let name: String
        let description: String?
        let settings: JSONValue?
        static let schema = ObjectSchema([
            .init("name", Schemas.environment, required: true, "1-32 characters of a-z 0-9 -, starting with a letter (not none or diff)."),
            .init("description", ["type": "string", "maxLength": 500], "What it is for."),
            .init("settings", settingsSchema, "Model overrides, egress lists, concurrency, protection."),
        ])
    }

    struct UpdateBody: RequestBody {
        let description: String?
        let settings: JSONValue?
        static let schema = ObjectSchema([
            .init("description", ["type": "string", "maxLength": 500], "What it is for."),
            .init("settings", settingsSchema, "Replaces every setting ({} clears them)."),
        ])
    }

    static func settings(_ json: JSONValue?) throws -> EnvironmentSettings? {
        guard let json else { return nil }
        return try EnvironmentSettings.parse(json)
    }

    static func description(_ text: String?) throws -> String? {
        guard let text else { return nil }
        guard text.count <= 500 else { throw ValidationError(field: "description", "must be at most 500 characters") }
        return text
    }

    static func list(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let items = try await services.definitions.environments.list(in: context.scope()).map { resource($0, use: nil) }
        return DefinitionResources.respond(.ok, DefinitionResources.list(items, next: nil))
    }

    static func get(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let (record, use) = try await services.definitions.environments.get(context.parameters.require("environment"), in: context.scope())
        return DefinitionResources.respond(.ok, resource(record, use: use))
    }

    static func create(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(CreateBody.self, from: request, limits: services.limits)
        let name = try EnvironmentName.new(body.name, field: "name")
        let record = try await services.definitions.environments.put(name, description: try description(body.description) ?? "",
                                                                     settings: try settings(body.settings) ?? EnvironmentSettings(),
                                                                     create: true, context: context.change(services.clock))
        return DefinitionResources.respond(.created, resource(record, use: nil))
    }

    static func update(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(UpdateBody.self, from: request, limits: services.limits)
        let text = try context.parameters.require("environment")
        guard let name = DeployEnvironment(rawValue: text) else { throw StorageError.notFound(.environment, id: text) }
        let record = try await services.definitions.environments.put(name, description: try description(body.description),
                                                                     settings: try settings(body.settings), create: false,
                                                                     context: context.change(services.clock))
        return DefinitionResources.respond(.ok, resource(record, use: nil))
    }

    static func delete(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try await services.definitions.environments.delete(context.parameters.require("environment"), context: context.change(services.clock))
        return Response(status: .noContent)
    }

    static func resource(_ record: EnvironmentRecord, use: EnvironmentUse?) -> JSONValue {
        var object: [String: JSONValue] = [
            "name": .string(record.name.rawValue), "built_in": .bool(record.name.isBuiltIn), "protected": .bool(record.isProtected),
            "description": .string(record.description), "settings": record.settings.json,
            "updated_at": record.updatedAt.map { .string($0.rfc3339) } ?? .null, "updated_by": record.updatedBy.map(JSONValue.string) ?? .null,
        ]
        if let use {
            object["in_use"] = ["deployments": .integer(use.deployments), "secrets": .integer(use.secrets), "schedules": .integer(use.schedules),
                                "webhooks": .integer(use.webhooks), "unfinished_executions": .integer(use.unfinishedExecutions)]
        }
        return .object(object)
    }
}
