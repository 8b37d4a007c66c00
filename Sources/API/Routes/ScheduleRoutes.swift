import Core
import Foundation
import Hummingbird
import Storage

/// Schedules (`agentctl schedules`, docs/triggers.md): a workflow that runs on cron, at
/// intervals or once, fired by the engine's timer. Reading needs workflows.view; creating,
/// pausing, resuming and deleting need schedules.manage.
public enum ScheduleRoutes: RouteFile {
    static let schema: JSON = [
        "type": "object", "required": ["id", "name", "workflow", "environment", "kind", "when", "zone", "status"],
        "properties": [
            "id": ["type": "string"], "name": ["type": "string"], "workflow": ["type": "string"],
            "environment": Schemas.environment, "team": ["type": ["string", "null"]], "input": ["type": "object"],
            "kind": ["enum": ["recurring", "at"]], "when": ["type": "string", "description": "The cron expression, shortcut, `every …` or one-time time."],
            "zone": ["type": "string"], "dst": ["enum": ["first", "both"]],
            "catch_up": ["enum": ["skip", "latest", "all"]], "catch_up_window": ["type": ["string", "null"]],
            "catch_up_cap": ["type": ["integer", "null"]], "overlap": ["enum": ["allow", "skip", "cancel_previous", "queue_one"]],
            "status": ["enum": ["active", "paused", "done"]],
            "next_fire_at": ["type": ["string", "null"], "format": "date-time"],
            "next_fire_local": ["type": ["string", "null"], "description": "The next slot as a wall time with its offset, in the schedule's zone."],
            "last_execution_id": ["type": ["string", "null"]], "created_by": ["type": "string"],
            "created_at": Schemas.timestamp, "updated_at": Schemas.timestamp,
        ],
    ]
    static let fireSchema: JSON = [
        "type": "object", "required": ["planned_at", "at", "outcome"],
        "properties": [
            "planned_at": Schemas.timestamp, "at": Schemas.timestamp, "outcome": ["enum": ["fired", "queued", "skipped", "failed"]],
            "execution_id": ["type": ["string", "null"]], "reason": ["type": ["string", "null"]],
        ],
    ]
    static let previewSchema: JSON = [
        "type": "object", "required": ["zone", "items"],
        "properties": [
            "zone": ["type": "string"],
            "items": ["type": "array", "items": ["type": "object", "properties": ["at": Schemas.timestamp, "local": ["type": "string"]]]],
        ],
    ]

    public typealias Services = ScheduleService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.post, "/api/v1/schedules", needs: .permission(.schedulesManage),
                      Operation(id: "createSchedule", summary: "Schedule a workflow: cron, `every …`, or once (`at`), in a time zone.", tag: "schedules",
                                requestBody: CreateBody.schema.json, success: (201, schema, "application/json"),
                                problems: [400, 404, 409, 413, 415, 422]),
                      handler: create),
            RouteSpec(.get, "/api/v1/schedules", needs: .permission(.workflowsView),
                      Operation(id: "listSchedules", summary: "The schedules you can see.", tag: "schedules", query: Pagination.parameters,
                                success: (200, Schemas.list(of: schema), "application/json")),
                      handler: list),
            RouteSpec(.get, "/api/v1/schedules/{schedule}", needs: .permission(.workflowsView),
                      Operation(id: "getSchedule", summary: "One schedule (ID or name).", tag: "schedules",
                                success: (200, schema, "application/json"), problems: [404]),
                      handler: get),
            RouteSpec(.get, "/api/v1/schedules/{schedule}/preview", needs: .permission(.workflowsView),
                      Operation(id: "previewSchedule", summary: "The schedule's next fire times, in UTC and in its zone.", tag: "schedules",
                                query: [("next", ["type": "integer", "minimum": 1, "maximum": 1000], "How many (default 10).")],
                                success: (200, previewSchema, "application/json"), problems: [400, 404]),
                      handler: preview),
            RouteSpec(.get, "/api/v1/schedules/{schedule}/history", needs: .permission(.workflowsView),
                      Operation(id: "scheduleHistory", summary: "Each slot, newest first: planned and actual time, the execution, or why not.",
                                tag: "schedules", query: Pagination.parameters,
                                success: (200, Schemas.list(of: fireSchema), "application/json"), problems: [400, 404]),
                      handler: history),
            RouteSpec(.post, "/api/v1/schedules/{schedule}/pause", needs: .permission(.schedulesManage),
                      Operation(id: "pauseSchedule", summary: "Stop firing; on resume, missed slots follow the catch-up policy.", tag: "schedules",
                                success: (200, schema, "application/json"), problems: [404, 409]),
                      handler: pause),
            RouteSpec(.post, "/api/v1/schedules/{schedule}/resume", needs: .permission(.schedulesManage),
                      Operation(id: "resumeSchedule", summary: "Fire again.", tag: "schedules",
                                success: (200, schema, "application/json"), problems: [404, 409]),
                      handler: resume),
            RouteSpec(.delete, "/api/v1/schedules/{schedule}", needs: .permission(.schedulesManage),
                      Operation(id: "deleteSchedule", summary: "Remove a schedule and its history (executions it started stay).", tag: "schedules",
                                success: (204, nil, "application/json"), problems: [404]),
                      handler: delete),
        ]
    }

    struct CreateBody: RequestBody {
        let name: String
        let workflow: String
        let cron: String?
        let at: String?
        let zone: String?
        let dst: String?
        let catchUp: String?
        let catchUpWindow: String?
        let catchUpCap: Int?
        let overlap: String?
        let environment: String?
        let team: String?
        let input: JSONValue?
        enum CodingKeys: String, CodingKey {
            case name, workflow, cron, at, zone, dst, overlap, environment, team, input
            case catchUp = "catch_up", catchUpWindow = "catch_up_window", catchUpCap = "catch_up_cap"
        }
        static let schema = ObjectSchema([
            .init("name", ["type": "string"], required: true, "Unique in the org."),
            .init("workflow", ["type": "string"], required: true, "The workflow (name or ID) to run."),
            .init("cron", ["type": "string", "maxLength": 200], "5 or 6 cron fields, `@daily`-style shortcuts, or `every 15m`. One of cron and at."),
            .init("at", ["type": "string", "maxLength": 40], "Once: a wall time in `zone` (`2026-12-01T09:00`) or an RFC 3339 UTC time."),
            .init("zone", ["type": "string", "maxLength": 64], "An IANA time zone (default UTC)."),
            .init("dst", ["enum": ["first", "both"]], "A wall time the clocks show twice runs at its first occurrence (default) or both."),
            .init("catch_up", ["enum": ["skip", "latest", "all"]], "What fires of the slots missed while agentd was down or the schedule paused (default skip)."),
            .init("catch_up_window", ["type": "string"], "With catch_up all: how far back (`6h`; 1m to 7d)."),
            .init("catch_up_cap", ["type": "integer", "minimum": 1, "maximum": 1000], "With catch_up all: at most this many (default 10)."),
            .init("overlap", ["enum": ["allow", "skip", "cancel_previous", "queue_one"]], "When a slot comes while the last run still runs (default allow)."),
            .init("environment", Schemas.environment, "Run the version deployed here when the slot fires (default dev)."),
            .init("team", ["type": "string"], "A team of yours that owns it; a team's workflow must be scheduled for its team."),
            .init("input", ["type": "object"], "The executions' input."),
        ])
    }

    static func create(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(CreateBody.self, from: request, limits: services.limits)
        let when: ScheduleSpec.When
        switch (body.cron, body.at) {
        case (let cron?, nil): when = .recurring(cron)
        case (nil, let at?): when = .at(at)
        default: throw ValidationError(field: "cron", "give exactly one of cron (recurring) and at (once)")
        }
        let environment = try EnvironmentName.parse(body.environment ?? "dev", field: "environment")
        guard let dst = DSTPolicy(rawValue: body.dst ?? "first") else { throw ValidationError(field: "dst", "must be first or both") }
        guard let overlap = OverlapPolicy(rawValue: body.overlap ?? "allow") else {
            throw ValidationError(field: "overlap", "must be allow, skip, cancel_previous or queue_one")
        }
        var windowMs: Int64?
        if let text = body.catchUpWindow {
            guard let value = TimeFilter.milliseconds(text) else { throw ValidationError(field: "catch_up_window", "must be a duration like 30m, 6h or 2d") }
            windowMs = value
        }
        if body.catchUp != "all", windowMs != nil || body.catchUpCap != nil {
            throw ValidationError(field: "catch_up", "catch_up_window and catch_up_cap apply to catch_up all only")
        }
        let spec: ScheduleSpec
        do {
            let catchUp = try ScheduleSpec.catchUp(body.catchUp ?? "skip", windowMs: windowMs, cap: body.catchUpCap)
            spec = try ScheduleSpec(when: when, zone: body.zone ?? "UTC", dst: dst, catchUp: catchUp, overlap: overlap)
        } catch {
            throw ValidationError(field: field(of: error, when: when), error.description)
        }
        let record = try await services.create(NewSchedule(name: body.name, workflow: body.workflow, environment: environment,
                                                           input: body.input ?? .object([:]), spec: spec, team: body.team),
                                               context: context.change(services.clock))
        return DefinitionResources.respond(.created, resource(record))
    }

    /// Which request field a `CronError` is about.
    static func field(of error: CronError, when: ScheduleSpec.When) -> String {
        let message = error.message
        if message.contains("zone") { return "zone" }
        if message.contains("catch-up") || message.contains("catch_up") { return "catch_up" }
        if case .at = when { return "at" }
        return "cron"
    }

    static func list(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let page = try await services.schedules.list(in: context.scope(), page: Pagination.request(from: request, listing: "schedules"))
        return DefinitionResources.respond(.ok, DefinitionResources.list(page.items.map(resource),
                                                                         next: page.nextAfter.map { Pagination.cursor(after: $0, listing: "schedules") }))
    }

    static func get(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        DefinitionResources.respond(.ok, resource(try await services.schedules.get(context.parameters.require("schedule"), in: context.scope())))
    }

    static func preview(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        var count = 10
        if let text = request.uri.queryParameters["next"] {
            guard let value = Int(text), (1...1000).contains(value) else {
                throw APIError.invalidParameter(name: "next", "must be an integer from 1 to 1000; got `\(text)`")
            }
            count = value
        }
        let record = try await services.schedules.get(context.parameters.require("schedule"), in: context.scope())
        let rules = ZoneRules(identifier: record.spec.zone)
        // A paused schedule's next slots are still what it would fire once resumed; a done one has none.
        let fires = record.status == .done ? [] : record.spec.preview(after: services.clock.now(), count: count)
        let items: [JSONValue] = fires.map { at in
            ["at": .string(at.rfc3339), "local": .string(rules?.localRFC3339(at: at) ?? at.rfc3339)]
        }
        return DefinitionResources.respond(.ok, ["zone": .string(record.spec.zone), "items": .array(items)])
    }

    static func history(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let (_, page) = try await services.schedules.history(context.parameters.require("schedule"), in: context.scope(),
                                                             page: Pagination.request(from: request, listing: "schedule-history"))
        let items: [JSONValue] = page.items.map { fire in
            ["planned_at": .string(fire.plannedAt.rfc3339), "at": .string(fire.at.rfc3339), "outcome": .string(fire.outcome.rawValue),
             "execution_id": fire.executionID.map(JSONValue.string) ?? .null, "reason": fire.reason.map(JSONValue.string) ?? .null]
        }
        return DefinitionResources.respond(.ok, DefinitionResources.list(items, next: page.nextAfter.map {
            Pagination.cursor(after: $0, listing: "schedule-history")
        }))
    }

    static func pause(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        DefinitionResources.respond(.ok, resource(try await services.schedules.pause(context.parameters.require("schedule"),
                                                                                     context: context.change(services.clock))))
    }

    static func resume(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        DefinitionResources.respond(.ok, resource(try await services.resume(context.parameters.require("schedule"),
                                                                            context: context.change(services.clock))))
    }

    static func delete(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try await services.schedules.delete(context.parameters.require("schedule"), context: context.change(services.clock))
        return Response(status: .noContent)
    }

    static func resource(_ record: ScheduleRecord) -> JSONValue {
        let spec = record.spec
        let (kind, when) = switch spec.when {
        case .recurring(let text): ("recurring", text)
        case .at(let text): ("at", text)
        }
        var window: JSONValue = .null, cap: JSONValue = .null
        if case .all(let windowMs, let limit) = spec.catchUp {
            window = .string(Milliseconds.text(windowMs))
            cap = .integer(limit)
        }
        let local = record.nextFireAt.flatMap { at in ZoneRules(identifier: spec.zone)?.localRFC3339(at: at) }
        return [
            "id": .string(record.id.rawValue), "name": .string(record.name), "workflow": .string(record.workflowName),
            "environment": .string(record.environment.rawValue), "team": record.teamID.map { .string($0.rawValue) } ?? .null,
            "input": record.input, "kind": .string(kind), "when": .string(when), "zone": .string(spec.zone), "dst": .string(spec.dst.rawValue),
            "catch_up": .string(spec.catchUp.name), "catch_up_window": window, "catch_up_cap": cap, "overlap": .string(spec.overlap.rawValue),
            "status": .string(record.status.rawValue), "next_fire_at": record.nextFireAt.map { .string($0.rfc3339) } ?? .null,
            "next_fire_local": local.map(JSONValue.string) ?? .null,
            "last_execution_id": record.lastExecutionID.map(JSONValue.string) ?? .null, "created_by": .string(record.createdBy),
            "created_at": .string(record.createdAt.rfc3339), "updated_at": .string(record.updatedAt.rfc3339),
        ]
    }
}
