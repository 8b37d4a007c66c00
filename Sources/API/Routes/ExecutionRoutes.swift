import Core
import Engine
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle
import Storage

/// Executions: start one (202 at once), list, read, stream events, cancel; breakers.
public enum ExecutionRoutes: RouteFile {
    public typealias Services = ExecutionService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.post, "/api/v1/executions", needs: .permission(.workflowsExecute),
                      Operation(id: "startExecution",
                                summary: "Start an execution of the version deployed in an environment (dev by default). Answers 202 at once. "
                                    + "With an Idempotency-Key header, the same key and body give the same execution.",
                                tag: "executions", requestBody: StartBody.schema.json, success: (202, Schemas.execution, "application/json"),
                                problems: [400, 402, 404, 409, 413, 415, 422], otherSuccesses: [200]),
                      handler: start),
            RouteSpec(.get, "/api/v1/executions", needs: .permission(.executionsView),
                      Operation(id: "listExecutions", summary: "Executions you can see, newest first.", tag: "executions",
                                query: [("status", ["type": "string", "enum": .array(ExecutionStatus.allCases.map { .string($0.rawValue) })], "Only this status."),
                                        ("workflow", ["type": "string"], "Only this workflow (name or ID)."),
                                        ("since", ["type": "string"], "Only those started since: RFC 3339, or a duration like 1h, 30m, 7d.")]
                                    + Pagination.parameters,
                                success: (200, Schemas.list(of: Schemas.execution), "application/json"), problems: [400]),
                      handler: list),
            RouteSpec(.get, "/api/v1/executions/{execution}", needs: .permission(.executionsView),
                      Operation(id: "getExecution", summary: "An execution with its steps.", tag: "executions",
                                success: (200, Schemas.execution, "application/json"), problems: [404]),
                      handler: get),
            RouteSpec(.get, "/api/v1/executions/{execution}/events", needs: .permission(.executionsView),
                      Operation(id: "executionEvents",
                                summary: "The execution's events. With `Accept: text/event-stream`, a live server-sent event stream that "
                                    + "ends when the execution does (resume with Last-Event-ID); otherwise a JSON page after `after`.",
                                tag: "executions", query: [("after", ["type": "integer", "minimum": 0], "Only events after this sequence number.")],
                                success: (200, Schemas.executionEvents, "application/json"), problems: [400, 404],
                                alternativeContent: ["text/event-stream": ["schema": ["type": "string", "description": "Server-sent events: `id`, `event` (the event type) and `data` (the event as JSON)."]]]),
                      handler: events),
            RouteSpec(.post, "/api/v1/executions/{execution}/cancel", needs: .permission(.executionsCancel),
                      Operation(id: "cancelExecution", summary: "Cancel an execution: running steps are stopped, the rest cancelled.",
                                tag: "executions", requestBodyRequired: false, success: (200, Schemas.execution, "application/json"),
                                problems: [404, 409]),
                      handler: cancel),
            RouteSpec(.post, "/api/v1/executions/{execution}/retry", needs: .permission(.workflowsExecute),
                      Operation(id: "retryExecution",
                                summary: "Start a new execution of a failed or cancelled one's version and input, reusing the outputs of "
                                    + "the steps that succeeded and running the rest.",
                                tag: "executions", requestBodyRequired: false, success: (202, Schemas.execution, "application/json"),
                                problems: [402, 404, 409, 422]),
                      handler: retry),
            RouteSpec(.get, "/api/v1/breakers", needs: .permission(.systemView),
                      Operation(id: "listBreakers", summary: "The circuit breaker of every outbound endpoint.", tag: "executions",
                                success: (200, Schemas.breakers, "application/json")),
                      handler: breakers),
        ]
    }

    struct StartBody: RequestBody {
        let workflow: String
        let input: JSONValue?
        let environment: String?
        let version: Int?
        let timeoutMs: Int?
        static let schema = ObjectSchema([
            .init("workflow", ["type": "string"], required: true, "The workflow (name or ID)."),
            .init("input", ["type": "object"], "The execution's input, checked against the workflow's input schema."),
            .init("environment", Schemas.environment, "Run the version deployed here (default dev)."),
            .init("version", ["type": "integer", "minimum": 1], "Run this version instead."),
            .init("timeout_ms", ["type": "integer", "minimum": 1, "maximum": 604_800_000], "A deadline for the whole execution."),
        ])

        enum CodingKeys: String, CodingKey {
            case workflow, input, environment, version, timeoutMs = "timeout_ms"
        }
    }

    static func start(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(StartBody.self, from: request, limits: services.limits)
        let environment: DeployEnvironment
        if let name = body.environment {
            environment = try EnvironmentName.parse(name, field: "environment")
        } else {
            environment = .dev
        }
        if let timeout = body.timeoutMs, !(1...604_800_000).contains(timeout) {
            throw ValidationError(field: "timeout_ms", "must be between 1 and 604800000 (7 days)")
        }
        let input = body.input ?? .object([:])
        guard case .object = input else { throw ValidationError(field: "input", "must be a JSON object") }
        let key = request.headers[HTTPField.Name("Idempotency-Key")!]
        if let key, key.isEmpty || key.utf8.count > 200 {
            throw ValidationError(field: "Idempotency-Key", "must be 1 to 200 characters")
        }
        let bodyHash = ContentHash.of(["workflow": .string(body.workflow), "input": input, "environment": .string(environment.rawValue),
                                       "version": body.version.map(JSONValue.integer) ?? .null, "timeout_ms": body.timeoutMs.map(JSONValue.integer) ?? .null])
        let change = try context.change(services.clock)
        let (record, created) = try await services.engine.submit(
            NewExecution(workflow: body.workflow, environment: environment, version: body.version, input: input, idempotencyKey: key,
                         requestHash: bodyHash, trigger: "api", timeoutMs: body.timeoutMs), context: change)
        var response = DefinitionResources.respond(created ? .accepted : .ok, ExecutionResources.execution(record, steps: nil))
        response.headers[.location] = "/api/v1/executions/\(record.id.rawValue)"
        return response
    }

    static func list(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let query = request.uri.queryParameters
        var filter = ExecutionFilter()
        if let text = query["status"] {
            guard let status = ExecutionStatus(rawValue: String(text)) else {
                throw APIError.invalidParameter(name: "status", "must be one of \(ExecutionStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter.status = status
        }
        filter.workflow = query["workflow"].map(String.init)
        if let text = query["since"] {
            guard let since = ExecutionResources.since(String(text), now: services.clock.now()) else {
                throw APIError.invalidParameter(name: "since", "must be an RFC 3339 time or a duration like 90s, 30m, 1h or 7d")
            }
            filter.since = since
        }
        let page = try await services.executions.list(in: context.scope(), filter: filter, page: Pagination.request(from: request, listing: "executions"))
        return DefinitionResources.respond(.ok, DefinitionResources.list(page.items.map { ExecutionResources.execution($0, steps: nil) },
                                                                         next: page.nextAfter.map { Pagination.cursor(after: $0, listing: "executions") }))
    }

    static func get(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let (record, steps) = try await services.executions.execution(context.parameters.require("execution"), in: context.scope())
        services.recent?.note(.execution, id: record.id.rawValue, caller: context.caller, at: services.clock.now())
        return DefinitionResources.respond(.ok, ExecutionResources.execution(record, steps: steps))
    }

    static func cancel(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let record = try await services.engine.cancel(context.parameters.require("execution"), context: context.change(services.clock))
        return DefinitionResources.respond(.ok, ExecutionResources.execution(record, steps: nil))
    }

    static func retry(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let change = try context.change(services.clock)
        let record = try await services.engine.retry(context.parameters.require("execution"), context: change)
        var response = DefinitionResources.respond(.accepted, ExecutionResources.execution(record, steps: nil))
        response.headers[.location] = "/api/v1/executions/\(record.id.rawValue)"
        return response
    }

    static func breakers(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let items: [JSONValue] = services.engine.breakers.snapshot().map { key, breaker in
            ["org": .string(key.org.rawValue), "endpoint": .string(key.endpoint), "state": .string(breaker.state.rawValue), "recent_failures": .integer(breaker.failures.count),
             "opens": .integer(breaker.opens),
             "opened_at": breaker.openedAt.map { .string(Instant(millisecondsSinceEpoch: $0).rfc3339) } ?? .null]
        }
        return DefinitionResources.respond(.ok, ["items": .array(items)])
    }

    static func events(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let reference = try context.parameters.require("execution")
        let scope = try context.scope()
        var start = 0
        if let text = request.headers[HTTPField.Name("Last-Event-ID")!] ?? request.uri.queryParameters["after"].map(String.init) {
            guard let value = Int(text), value >= 0 else { throw APIError.invalidParameter(name: "after", "must be an event sequence number") }
            start = value
        }
        let after = start
        let streaming = request.headers[.accept]?.contains("text/event-stream") == true
        // Read once before answering, so a foreign or unknown id is a plain 404.
        let (record, first) = try await services.executions.events(reference, after: after, in: scope)
        guard streaming else {
            return DefinitionResources.respond(.ok, ["items": .array(first.map(ExecutionResources.event)),
                                                     "status": .string(record.status.rawValue)])
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        let executions = services.executions
        let notifier = services.engine.notifier
        let id = record.id.rawValue
        let body = ResponseBody { writer in
            notifier.watch(id)
            defer { notifier.unwatch(id) }
            var last = after
            // Ends when agentd begins to stop (the client resumes with Last-Event-ID), so a
            // followed execution never holds up a shutdown.
            try await withGracefulShutdownHandler {
            while !Task.isShuttingDownGracefully {
                // Note the generation before reading: a change committed after the read is then
                // seen by the wait below, never lost.
                let generation = notifier.generation(of: id)
                let (current, events) = try await executions.events(id, after: last, in: scope)
                for event in events {
                    try await writer.write(ByteBuffer(string: ExecutionResources.sse(event)))
                    last = event.seq
                }
                guard events.isEmpty else { continue }
                if current.status.isTerminal { break }
                // Wait for news, with a comment every 15 s to keep proxies from closing.
                if !(await notifier.wait(for: id, after: generation, timeout: .seconds(15))), !Task.isShuttingDownGracefully {
                    try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                }
            }
            } onGracefulShutdown: {
                notifier.interrupt(id)
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}

/// Execution bodies (written as canonical JSON, like definitions: inputs and outputs hold
/// user keys that must not be re-cased).
enum ExecutionResources {
    static func execution(_ record: ExecutionRecord, steps: [StepRunRecord]?) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(record.id.rawValue), "org_id": .string(record.orgID.rawValue), "workflow": .string(record.workflowName),
            "workflow_id": .string(record.workflowID.rawValue), "version": .integer(record.workflowVersion),
            "environment": .string(record.environment.rawValue), "status": .string(record.status.rawValue), "input": record.input,
            "output": record.output ?? .null, "error": record.error ?? .null, "trigger": .string(record.trigger),
            "parent_execution_id": record.parentExecutionID.map(JSONValue.string) ?? .null,
            "steps_total": .integer(record.stepsTotal), "steps_done": .integer(record.stepsDone),
            "created_by": .string(record.createdBy), "created_at": .string(record.createdAt.rfc3339),
            "finished_at": record.finishedAt.map { .string($0.rfc3339) } ?? .null,
            "cost": ["cost_micros": .integer(Int(record.costMicros)), "cost": .string(Money.format(record.costMicros)),
                     "prompt_tokens": .integer(record.usage.promptTokens), "completion_tokens": .integer(record.usage.completionTokens)],
            "pii_masked": .object(record.piiMasked.mapValues { .integer($0) }),
        ]
        if let steps {
            object["steps"] = .array(steps.map { step in
                ["node": .string(step.node), "status": .string(step.status.rawValue), "attempt": .integer(step.attempt),
                 "output": step.output ?? .null, "error": step.error ?? .null,
                 "started_at": step.startedAt.map { .string($0.rfc3339) } ?? .null,
                 "finished_at": step.finishedAt.map { .string($0.rfc3339) } ?? .null]
            })
        }
        return .object(object)
    }

    static func event(_ event: ExecutionEvent) -> JSONValue {
        ["seq": .integer(event.seq), "at": .string(event.at.rfc3339), "type": .string(event.type),
         "node": event.node.map(JSONValue.string) ?? .null, "attempt": event.attempt.map(JSONValue.integer) ?? .null,
         "data": event.data ?? .null]
    }

    /// One server-sent event: its id is the sequence number (for Last-Event-ID).
    static func sse(_ event: ExecutionEvent) -> String {
        "id: \(event.seq)\nevent: \(event.type)\ndata: \(Self.event(event).canonicalText)\n\n"
    }

    /// `since`: RFC 3339, or a duration back from now (`90s`, `30m`, `1h`, `7d`).
    static func since(_ text: String, now: Instant) -> Instant? {
        if let instant = Instant(rfc3339: text) { return instant }
        guard let amount = Int64(text.dropLast()), amount < 100_000, let milliseconds = TimeFilter.milliseconds(text) else { return nil }
        return now.adding(milliseconds: -milliseconds)
    }
}
