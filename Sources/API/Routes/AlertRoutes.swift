import Core
import Foundation
import Hummingbird
import Storage

/// Alert rules, channels and silences, what fires now and what happened (`agentctl alerts`,
/// docs/observability.md#alerts). Reading needs alerts.view; changing, silencing and testing need
/// alerts.manage; rules on the installation's own health (writer stall, vault, disk, API latency)
/// need a caller whose scope reaches the installation.
public enum AlertRoutes: RouteFile {
    static let duration: JSON = ["type": "string", "pattern": "^[0-9]{1,9}[smhd]$"]
    static let ruleSchema: JSON = [
        "type": "object", "required": ["name", "expr", "for", "repeat", "severity", "notify", "enabled"],
        "properties": [
            "name": ["type": "string"], "expr": ["type": "string", "description": "The condition, canonically spelled."],
            "for": ["type": "string", "description": "How long the condition must hold before the alert fires (0s: at once)."],
            "repeat": ["type": "string", "description": "How often a firing alert is told again (0s: never)."],
            "severity": ["enum": .array(AlertSeverity.allCases.map { .string($0.rawValue) })],
            "notify": ["type": "array", "items": ["type": "string"]], "description": ["type": "string"], "enabled": ["type": "boolean"],
            "updated_at": Schemas.timestamp, "instances": ["type": "array", "items": instanceSchema],
        ],
    ]
    static let instanceSchema: JSON = [
        "type": "object", "required": ["rule", "subject", "state", "since", "value", "silenced"],
        "properties": [
            "rule": ["type": "string"], "subject": ["type": "string", "description": "The workflow or budget; empty for a rule with one instance."],
            "state": ["enum": ["pending", "firing"]], "severity": ["type": "string"], "since": Schemas.timestamp,
            "fired_at": ["type": ["string", "null"], "format": "date-time"], "notified_at": ["type": ["string", "null"], "format": "date-time"],
            "value": ["type": "number"], "silenced": ["type": "boolean"],
        ],
    ]
    static let channelSchema: JSON = [
        "type": "object", "required": ["name", "type"],
        "properties": [
            "name": ["type": "string"], "type": ["enum": .array(AlertChannelConfig.Kind.allCases.map { .string($0.rawValue) })],
            "url": ["type": ["string", "null"]], "to": ["type": "array", "items": ["type": "string"]], "from": ["type": ["string", "null"]],
            "username": ["type": ["string", "null"]], "template": ["type": ["string", "null"]],
            "secret_path": ["type": ["string", "null"], "description": "The vault path (prod) of its secret; the value is never shown."],
            "down_since": ["type": ["string", "null"], "format": "date-time", "description": "Set while deliveries give up on it."],
            "last_error": ["type": ["string", "null"]], "pending": ["type": "integer", "description": "Notifications waiting for it."],
            "updated_at": Schemas.timestamp,
        ],
    ]
    static let eventSchema: JSON = [
        "type": "object", "required": ["id", "rule", "subject", "change", "at"],
        "properties": [
            "id": ["type": "integer"], "rule": ["type": "string"], "subject": ["type": "string"],
            "change": ["enum": ["pending", "firing", "resolved", "cleared", "silenced", "unsilenced", "channel_down", "channel_up", "tested"]],
            "value": ["type": ["number", "null"]], "at": Schemas.timestamp, "detail": ["type": "string"],
        ],
    ]
    static let silenceSchema: JSON = [
        "type": "object", "required": ["id", "rule", "starts_at", "ends_at", "comment", "created_by", "active"],
        "properties": [
            "id": ["type": "integer"], "rule": ["type": "string", "description": "A rule's name, or * for every rule."],
            "starts_at": Schemas.timestamp, "ends_at": Schemas.timestamp, "comment": ["type": "string"], "created_by": ["type": "string"],
            "ended_by": ["type": ["string", "null"]], "active": ["type": "boolean"],
        ],
    ]

    public typealias Services = AlertService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.get, "/api/v1/alerts", needs: .permission(.alertsView),
                      Operation(id: "listAlerts", summary: "Alerts pending or firing now, firing first.", tag: "alerts",
                                success: (200, Schemas.list(of: instanceSchema), "application/json")),
                      handler: active),
            RouteSpec(.get, "/api/v1/alerts/history", needs: .permission(.alertsView),
                      Operation(id: "alertHistory", summary: "Every state change, silence and channel outage, the newest first.", tag: "alerts",
                                query: [("rule", ["type": "string"], "Only this rule (or channel:NAME)."),
                                        ("since", ["type": "string"], "RFC 3339 or a duration back (24h)."),
                                        ("limit", ["type": "integer", "minimum": 1, "maximum": 1000], "At most this many (default 100).")],
                                success: (200, Schemas.list(of: eventSchema), "application/json"), problems: [400]),
                      handler: history),
            RouteSpec(.get, "/api/v1/alerts/rules", needs: .permission(.alertsView),
                      Operation(id: "listAlertRules", summary: "The org's alert rules.", tag: "alerts",
                                success: (200, Schemas.list(of: ruleSchema), "application/json")),
                      handler: listRules),
            RouteSpec(.post, "/api/v1/alerts/rules", needs: .permission(.alertsManage),
                      Operation(id: "createAlertRule", summary: "Create a rule: a condition, how long it must hold, its severity and channels.",
                                tag: "alerts", requestBody: RuleBody.schema.json, success: (201, ruleSchema, "application/json"),
                                problems: [400, 403, 404, 409, 413, 415, 422]),
                      handler: createRule),
            RouteSpec(.get, "/api/v1/alerts/rules/{rule}", needs: .permission(.alertsView),
                      Operation(id: "getAlertRule", summary: "One rule with its instances now.", tag: "alerts",
                                success: (200, ruleSchema, "application/json"), problems: [404]),
                      handler: getRule),
            RouteSpec(.put, "/api/v1/alerts/rules/{rule}", needs: .permission(.alertsManage),
                      Operation(id: "updateAlertRule", summary: "Change a rule: the fields given replace theirs (a new condition starts its instances over).",
                                tag: "alerts", requestBody: RuleBody.schema.json, success: (200, ruleSchema, "application/json"),
                                problems: [400, 403, 404, 413, 415, 422]),
                      handler: updateRule),
            RouteSpec(.delete, "/api/v1/alerts/rules/{rule}", needs: .permission(.alertsManage),
                      Operation(id: "deleteAlertRule", summary: "Delete a rule and what it fires (nothing more is sent for it).", tag: "alerts",
                                success: (204, nil, "application/json"), problems: [404]),
                      handler: deleteRule),
            RouteSpec(.get, "/api/v1/alerts/channels", needs: .permission(.alertsView),
                      Operation(id: "listAlertChannels", summary: "The org's channels and how their deliveries go.", tag: "alerts",
                                success: (200, Schemas.list(of: channelSchema), "application/json")),
                      handler: listChannels),
            RouteSpec(.post, "/api/v1/alerts/channels", needs: .permission(.alertsManage),
                      Operation(id: "createAlertChannel", summary: "Create a channel: email, slack, pagerduty, sms or webhook.", tag: "alerts",
                                requestBody: ChannelBody.schema.json, success: (201, channelSchema, "application/json"),
                                problems: [400, 409, 413, 415, 422]),
                      handler: createChannel),
            RouteSpec(.get, "/api/v1/alerts/channels/{channel}", needs: .permission(.alertsView),
                      Operation(id: "getAlertChannel", summary: "One channel.", tag: "alerts", success: (200, channelSchema, "application/json"),
                                problems: [404]),
                      handler: getChannel),
            RouteSpec(.put, "/api/v1/alerts/channels/{channel}", needs: .permission(.alertsManage),
                      Operation(id: "updateAlertChannel", summary: "Change a channel: the fields given replace theirs; clears its down mark.",
                                tag: "alerts", requestBody: ChannelBody.schema.json, success: (200, channelSchema, "application/json"),
                                problems: [400, 404, 413, 415, 422]),
                      handler: updateChannel),
            RouteSpec(.delete, "/api/v1/alerts/channels/{channel}", needs: .permission(.alertsManage),
                      Operation(id: "deleteAlertChannel", summary: "Delete a channel no rule notifies, with its waiting notifications.", tag: "alerts",
                                success: (204, nil, "application/json"), problems: [404, 409]),
                      handler: deleteChannel),
            RouteSpec(.post, "/api/v1/alerts/channels/{channel}/test", needs: .permission(.alertsManage),
                      Operation(id: "testAlertChannel", summary: "Send a test notification now and say whether the channel took it.", tag: "alerts",
                                success: (200, ["type": "object", "properties": ["sent": ["type": "boolean"], "error": ["type": ["string", "null"]]]],
                                          "application/json"), problems: [404, 503]),
                      handler: testChannel),
            RouteSpec(.get, "/api/v1/alerts/silences", needs: .permission(.alertsView),
                      Operation(id: "listAlertSilences", summary: "Silences in force (all=true: ended ones too).", tag: "alerts",
                                query: [("all", ["type": "boolean"], "Include ended silences.")],
                                success: (200, Schemas.list(of: silenceSchema), "application/json")),
                      handler: listSilences),
            RouteSpec(.post, "/api/v1/alerts/silences", needs: .permission(.alertsManage),
                      Operation(id: "createAlertSilence", summary: "Hold a rule's notifications back for a while (a resolve of what was told still goes).",
                                tag: "alerts", requestBody: SilenceBody.schema.json, success: (201, silenceSchema, "application/json"),
                                problems: [400, 404, 413, 415, 422]),
                      handler: createSilence),
            RouteSpec(.delete, "/api/v1/alerts/silences/{silence}", needs: .permission(.alertsManage),
                      Operation(id: "endAlertSilence", summary: "End a silence now.", tag: "alerts", success: (204, nil, "application/json"),
                                problems: [404, 409]),
                      handler: endSilence),
        ]
    }

    struct RuleBody: RequestBody {
        let name: String?
        let expr: String?
        let `for`: String?
        let `repeat`: String?
        let severity: String?
        let notify: [String]?
        let description: String?
        let enabled: Bool?
        static let schema = ObjectSchema([
            .init("name", ["type": "string", "maxLength": 64], "1-64 characters of a-z 0-9 - _ (on create)."),
            .init("expr", ["type": "string", "maxLength": 300], "failure_rate(workflow='*', window=15m) > 0.2, consecutive_failures(workflow='x') >= 3, "
                  + "budget_used(team='*') > 0.8, queue_depth() > 100, api_latency_p99(window=5m) > 2s, writer_stall() > 10s, vault_sealed(), disk_free() < 10%."),
            .init("for", duration, "How long it must hold before firing (default 0s)."),
            .init("repeat", duration, "How often a firing alert is told again (default 4h; 0s never)."),
            .init("severity", ["enum": .array(AlertSeverity.allCases.map { .string($0.rawValue) })], "Default warning."),
            .init("notify", ["type": "array", "items": ["type": "string"], "maxItems": 10], "Channel names."),
            .init("description", ["type": "string", "maxLength": 500], "Sent with each notification (a runbook link)."),
            .init("enabled", ["type": "boolean"], "A disabled rule is not evaluated (default true)."),
        ])
    }

    struct ChannelBody: RequestBody {
        let name: String?
        let type: String?
        let url: String?
        let to: [String]?
        let from: String?
        let username: String?
        let template: String?
        let secretPath: String?
        enum CodingKeys: String, CodingKey { case name, type, url, to, from, username, template, secretPath = "secret_path" }
        static let schema = ObjectSchema([
            .init("name", ["type": "string", "maxLength": 64], "1-64 characters of a-z 0-9 - _ (on create)."),
            .init("type", ["enum": .array(AlertChannelConfig.Kind.allCases.map { .string($0.rawValue) })], "On create; not changed later."),
            .init("url", ["type": "string", "maxLength": 2000], "smtp(s):// relay for email; the endpoint for the others."),
            .init("to", ["type": "array", "items": ["type": "string"], "maxItems": 50], "Addresses (email) or numbers (sms)."),
            .init("from", ["type": "string"], "The sender (email)."),
            .init("username", ["type": "string"], "SMTP AUTH user (email)."),
            .init("template", ["type": "string", "maxLength": 2000], "The SMS gateway's body with {{to}} and {{message}}."),
            .init("secret_path", ["type": "string", "maxLength": 200], "A vault path under alerts/ (prod): password, hook URL, routing key, token or signing key."),
        ])
    }

    struct SilenceBody: RequestBody {
        let rule: String
        let `for`: String
        let comment: String
        static let schema = ObjectSchema([
            .init("rule", ["type": "string"], required: true, "A rule's name, or * for every rule of the org."),
            .init("for", duration, required: true, "How long, up to 30d."),
            .init("comment", ["type": "string", "minLength": 1, "maxLength": 500], required: true, "Why (shown in the history)."),
        ])
    }

    static func name(_ text: String?, field: String) throws -> String {
        guard let text else { throw ValidationError(field: field, "is required") }
        if let problem = AlertName.violation(text) { throw ValidationError(field: field, problem) }
        return text
    }

    static func milliseconds(_ text: String?, field: String, default value: Int64, maximum: Int64) throws -> Int64 {
        guard let text else { return value }
        guard let millis = TimeFilter.milliseconds(text), millis <= maximum else {
            throw ValidationError(field: field, "must be a duration like 0s, 5m, 4h or 1d, at most \(TimeFilter.text(milliseconds: maximum)); got `\(text)`")
        }
        return millis
    }

    static func spec(_ body: RuleBody, over existing: AlertRuleRecord?) throws -> AlertRuleSpec {
        guard let text = body.expr ?? existing?.expression.text else { throw ValidationError(field: "expr", "is required") }
        let severity: AlertSeverity
        if let given = body.severity {
            guard let parsed = AlertSeverity(rawValue: given) else {
                throw ValidationError(field: "severity", "must be one of \(AlertSeverity.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            severity = parsed
        } else {
            severity = existing?.severity ?? .warning
        }
        let channels = body.notify ?? existing?.channels ?? []
        guard channels.count <= 10, Set(channels).count == channels.count else { throw ValidationError(field: "notify", "must list at most 10 channels, each once") }
        for channel in channels { _ = try name(channel, field: "notify") }
        if let description = body.description, description.count > 500 { throw ValidationError(field: "description", "must be at most 500 characters") }
        return AlertRuleSpec(expression: try AlertExpression.parse(text),
                             forMilliseconds: try milliseconds(body.for, field: "for", default: existing?.forMilliseconds ?? 0, maximum: 7 * Milliseconds.day),
                             repeatMilliseconds: try milliseconds(body.repeat, field: "repeat", default: existing?.repeatMilliseconds ?? 4 * Milliseconds.hour,
                                                                  maximum: 30 * Milliseconds.day),
                             severity: severity, channels: channels, description: body.description ?? existing?.description ?? "",
                             enabled: body.enabled ?? existing?.enabled ?? true)
    }

    static func active(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let items = try await services.alerts.active(in: context.scope(), now: services.clock.now()).map(instance)
        return DefinitionResources.respond(.ok, DefinitionResources.list(items, next: nil))
    }

    static func history(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let query = request.uri.queryParameters
        var filter = AlertStore.HistoryFilter(rule: query["rule"].map(String.init))
        if let text = query["since"].map(String.init) {
            guard let since = TimeFilter.instant(text, now: services.clock.now()) else {
                throw APIError.invalidParameter(name: "since", "must be an RFC 3339 UTC time or a duration like 30m, 1h, 7d; got `\(text)`")
            }
            filter.since = since
        }
        if let text = query["limit"].map(String.init) {
            guard let limit = Int(text), (1...1000).contains(limit) else { throw APIError.invalidParameter(name: "limit", "must be 1 to 1000; got `\(text)`") }
            filter.limit = limit
        }
        let items = try await services.alerts.history(in: context.scope(), filter: filter).map(event)
        return DefinitionResources.respond(.ok, DefinitionResources.list(items, next: nil))
    }

    static func listRules(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let items = try await services.alerts.rules(in: context.scope()).map { rule($0, instances: nil) }
        return DefinitionResources.respond(.ok, DefinitionResources.list(items, next: nil))
    }

    static func getRule(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let (record, instances) = try await services.alerts.rule(context.parameters.require("rule"), in: context.scope())
        return DefinitionResources.respond(.ok, rule(record, instances: instances))
    }

    static func createRule(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(RuleBody.self, from: request, limits: services.limits)
        let name = try name(body.name, field: "name")
        let record = try await services.alerts.putRule(name, spec: try spec(body, over: nil), create: true, context: context.change(services.clock))
        return DefinitionResources.respond(.created, rule(record, instances: nil))
    }

    static func updateRule(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(RuleBody.self, from: request, limits: services.limits)
        let name = try context.parameters.require("rule")
        if let given = body.name, given != name { throw ValidationError(field: "name", "a rule keeps its name; create a new one instead") }
        let (existing, _) = try await services.alerts.rule(name, in: context.scope())
        let record = try await services.alerts.putRule(name, spec: try spec(body, over: existing), create: false, context: context.change(services.clock))
        return DefinitionResources.respond(.ok, rule(record, instances: nil))
    }

    static func deleteRule(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try await services.alerts.deleteRule(context.parameters.require("rule"), context: context.change(services.clock))
        return Response(status: .noContent)
    }

    static func listChannels(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let items = try await services.alerts.channels(in: context.scope()).map(channel)
        return DefinitionResources.respond(.ok, DefinitionResources.list(items, next: nil))
    }

    static func getChannel(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        DefinitionResources.respond(.ok, channel(try await services.alerts.channel(context.parameters.require("channel"), in: context.scope())))
    }

    static func config(_ body: ChannelBody, over existing: AlertChannelConfig?) throws -> AlertChannelConfig {
        let kind: AlertChannelConfig.Kind
        if let existing {
            if let given = body.type, given != existing.kind.rawValue { throw ValidationError(field: "type", "a channel keeps its type; create a new one instead") }
            kind = existing.kind
        } else {
            guard let given = body.type, let parsed = AlertChannelConfig.Kind(rawValue: given) else {
                throw ValidationError(field: "type", "must be one of \(AlertChannelConfig.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            kind = parsed
        }
        func given(_ value: String?, _ old: String?) -> String? { value.map { $0.isEmpty ? nil : $0 } ?? old }
        return try AlertChannelConfig(kind: kind, url: given(body.url, existing?.url), to: body.to ?? existing?.to ?? [], from: given(body.from, existing?.from),
                                      username: given(body.username, existing?.username), template: given(body.template, existing?.template),
                                      secretPath: given(body.secretPath, existing?.secretPath)).validated()
    }

    static func createChannel(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(ChannelBody.self, from: request, limits: services.limits)
        let name = try name(body.name, field: "name")
        let record = try await services.alerts.putChannel(name, config: try config(body, over: nil), create: true, context: context.change(services.clock))
        return DefinitionResources.respond(.created, channel(record))
    }

    static func updateChannel(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(ChannelBody.self, from: request, limits: services.limits)
        let name = try context.parameters.require("channel")
        if let given = body.name, given != name { throw ValidationError(field: "name", "a channel keeps its name; create a new one instead") }
        let existing = try await services.alerts.channel(name, in: context.scope())
        let record = try await services.alerts.putChannel(name, config: try config(body, over: existing.config), create: false,
                                                          context: context.change(services.clock))
        return DefinitionResources.respond(.ok, channel(record))
    }

    static func deleteChannel(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        try await services.alerts.deleteChannel(context.parameters.require("channel"), context: context.change(services.clock))
        return Response(status: .noContent)
    }

    static func testChannel(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let scope = try context.scope()
        let record = try await services.alerts.channel(context.parameters.require("channel"), in: scope)
        guard let alerting = services.alerting else { throw APIError.notReady("alerting does not run in this agentd") }
        let change = try context.change(services.clock)
        let orgName = try await services.executions.orgName(scope.orgID) ?? scope.orgID.rawValue
        let error = await alerting.test(record, orgName: orgName, actor: change.actor)
        try await services.alerts.recordTest(record.name, error: error, context: change)
        return DefinitionResources.respond(.ok, ["sent": .bool(error == nil), "error": error.map(JSONValue.string) ?? .null])
    }

    static func listSilences(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let all = request.uri.queryParameters["all"].map { $0 == "true" || $0 == "1" } ?? false
        let now = services.clock.now()
        let items = try await services.alerts.silences(in: context.scope(), now: now, includeEnded: all).map { silence($0, now: now) }
        return DefinitionResources.respond(.ok, DefinitionResources.list(items, next: nil))
    }

    static func createSilence(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(SilenceBody.self, from: request, limits: services.limits)
        if body.rule != "*" { _ = try name(body.rule, field: "rule") }
        let millis = try milliseconds(body.for, field: "for", default: 0, maximum: 30 * Milliseconds.day)
        guard millis > 0 else { throw ValidationError(field: "for", "must be longer than 0s") }
        let comment = body.comment.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !comment.isEmpty, comment.count <= 500 else { throw ValidationError(field: "comment", "must say why, in 1 to 500 characters") }
        let change = try context.change(services.clock)
        let record = try await services.alerts.silence(body.rule, milliseconds: millis, comment: comment, context: change)
        return DefinitionResources.respond(.created, silence(record, now: change.now))
    }

    static func endSilence(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let text = try context.parameters.require("silence")
        guard let id = Int64(text) else { throw StorageError.notFound(.alertSilence, id: text) }
        try await services.alerts.endSilence(id, context: context.change(services.clock))
        return Response(status: .noContent)
    }

    static func instance(_ record: AlertInstanceRecord) -> JSONValue {
        [
            "rule": .string(record.rule), "subject": .string(record.subject), "state": .string(record.state.phase.rawValue),
            "severity": .string(record.severity.rawValue), "since": .string(record.state.since.rfc3339),
            "fired_at": record.state.firedAt.map { .string($0.rfc3339) } ?? .null, "notified_at": record.state.notifiedAt.map { .string($0.rfc3339) } ?? .null,
            "value": .number(record.state.value), "silenced": .bool(record.silenced),
        ]
    }

    static func rule(_ record: AlertRuleRecord, instances: [AlertInstanceRecord]?) -> JSONValue {
        var object: [String: JSONValue] = [
            "name": .string(record.name), "expr": .string(record.expression.text), "for": .string(TimeFilter.text(milliseconds: record.forMilliseconds)),
            "repeat": .string(TimeFilter.text(milliseconds: record.repeatMilliseconds)), "severity": .string(record.severity.rawValue),
            "notify": .array(record.channels.map(JSONValue.string)), "description": .string(record.description), "enabled": .bool(record.enabled),
            "updated_at": .string(record.updatedAt.rfc3339),
        ]
        if let instances { object["instances"] = .array(instances.map(instance)) }
        return .object(object)
    }

    static func channel(_ record: AlertChannelRecord) -> JSONValue {
        var object = record.config.json.objectValue ?? [:]
        object["type"] = object.removeValue(forKey: "kind")
        object["name"] = .string(record.name)
        object["down_since"] = record.downSince.map { .string($0.rfc3339) } ?? .null
        object["last_error"] = record.lastError.map(JSONValue.string) ?? .null
        object["pending"] = .integer(record.pending)
        object["updated_at"] = .string(record.updatedAt.rfc3339)
        return .object(object)
    }

    static func event(_ record: AlertEventRecord) -> JSONValue {
        [
            "id": .integer(Int(record.id)), "rule": .string(record.rule), "subject": .string(record.subject), "change": .string(record.change),
            "value": record.value.map(JSONValue.number) ?? .null, "at": .string(record.at.rfc3339), "detail": .string(record.detail),
        ]
    }

    static func silence(_ record: AlertSilenceRecord, now: Instant) -> JSONValue {
        [
            "id": .integer(Int(record.id)), "rule": .string(record.rule), "starts_at": .string(record.startsAt.rfc3339),
            "ends_at": .string(record.endsAt.rfc3339), "comment": .string(record.comment), "created_by": .string(record.createdBy),
            "ended_by": record.endedBy.map(JSONValue.string) ?? .null, "active": .bool(record.isActive(at: now)),
        ]
    }
}
