import Core
import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// Executions: the list with its filters, one execution's page and its live part, cancel
/// and retry.
enum ConsoleExecutionPages {
    static func list(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        let text = { (name: String) in ConsoleQuery.filled(request, name) }
        var data = await ConsoleFrame.data(context, services, title: "Executions", nav: "executions")
        var filter = ExecutionFilter()
        filter.workflow = text("workflow")
        var problems: [String] = []
        if let status = text("status") {
            if let parsed = ExecutionStatus(rawValue: status) { filter.status = parsed } else { problems.append("Status `\(status)` is not one of the list.") }
        }
        if let since = text("since") {
            if let parsed = ExecutionResources.since(since, now: services.clock.now()) {
                filter.since = parsed
            } else {
                problems.append("Since must be a duration like 30m, 1h or 7d, or an RFC 3339 time.")
            }
        }
        data["filter"] = ["workflow": filter.workflow ?? "", "since": text("since") ?? ""]
        data["statuses"] = ExecutionStatus.allCases.map { ["name": $0.rawValue, "selected": $0 == filter.status] }
        data["filtered"] = filter != ExecutionFilter()
        data["problem"] = problems.isEmpty ? nil : problems.joined(separator: " ")
        let page: Page<ExecutionRecord>
        do {
            page = try await services.executions.executions.list(in: context.scope(), filter: filter,
                                                                 page: Pagination.request(from: request, listing: "executions"))
        } catch StorageError.notFound {
            // An unknown workflow filters everything out; it is not a missing page.
            page = Page(items: [], nextAfter: nil)
        }
        data["executions"] = page.items.map(row)
        data["hasExecutions"] = !page.items.isEmpty
        data["next"] = page.nextAfter.map { after in
            ConsoleQuery.string([("status", text("status")), ("workflow", filter.workflow), ("since", text("since")),
                                 ("cursor", Pagination.cursor(after: after, listing: "executions"))])
        }
        return HTMLResponse.page(ConsoleView.render("executions", data), status: problems.isEmpty ? .ok : .badRequest)
    }

    static func show(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        let scope = try context.scope()
        let reference = try context.parameters.require("execution")
        var data = await ConsoleFrame.data(context, services, title: "Execution", nav: "executions")
        let (record, live) = try await liveData(reference, scope, context, services)
        data.merge(live) { _, new in new }
        data["title"] = "Execution of \(record.workflowName)"
        services.executions.recent?.note(.execution, id: record.id.rawValue, caller: context.caller, at: services.clock.now())
        data["favorite"] = ["kind": "execution", "ref": record.id.rawValue, "on": await ConsoleSearchPages.isFavorite(record.id.rawValue, context, services)]
        data["input"] = ConsoleView.json(record.input)
        let (_, events) = try await services.executions.executions.events(record.id.rawValue, after: 0, in: scope)
        data["events"] = events.filter { $0.type != ExecutionEventType.llmDelta.rawValue }.map { event -> [String: Any] in
            ["type": event.type, "node": event.node as Any, "at": event.at.rfc3339, "time": ConsoleView.time(event.at),
             "detail": ConsoleView.errorText(event.data?["error"]) as Any]
        }
        return HTMLResponse.page(ConsoleView.render("execution", data))
    }

    /// The part of the page that changes while it runs, for the script to put in place.
    static func live(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        var data = await ConsoleFrame.data(context, services, title: "Execution")
        let (_, live) = try await liveData(context.parameters.require("execution"), context.scope(), context, services)
        data.merge(live) { _, new in new }
        return HTMLResponse.page(ConsoleView.render("execution-live", data))
    }

    static func cancel(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        _ = try await ConsoleForm.read(request, limits: services.executions.limits)
        let record = try await services.executions.engine.cancel(context.parameters.require("execution"), context: context.change(services.clock))
        return HTMLResponse.redirect("/ui/executions/\(record.id.rawValue)")
    }

    static func retry(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        _ = try await ConsoleForm.read(request, limits: services.executions.limits)
        let record = try await services.executions.engine.retry(context.parameters.require("execution"), context: context.change(services.clock))
        return HTMLResponse.redirect("/ui/executions/\(record.id.rawValue)")
    }

    static func liveData(_ reference: String, _ scope: Scope, _ context: AgentRequestContext,
                         _ services: ConsoleServices) async throws -> (ExecutionRecord, [String: Any]) {
        let (record, steps) = try await services.executions.executions.execution(reference, in: scope)
        var data = row(record)
        let terminal = record.status.isTerminal
        data["terminal"] = terminal
        data["stepsDone"] = record.stepsDone
        data["stepsTotal"] = record.stepsTotal
        let tokens = record.usage.promptTokens + record.usage.completionTokens
        data["tokens"] = tokens > 0 ? tokens : nil
        data["error"] = ConsoleView.errorText(record.error)
        data["output"] = record.output.map(ConsoleView.json)
        data["canCancel"] = !terminal && scope.allows(.executionsCancel)
        data["canRetry"] = (record.status == .failed || record.status == .cancelled) && scope.allows(.workflowsExecute)
        let usage = try await services.costs.costs.usageByStep(ofExecution: record.id.rawValue)
        data["steps"] = steps.map { step -> [String: Any] in
            var item: [String: Any] = ["node": step.node, "status": step.status.rawValue, "attempt": step.attempt]
            if let used = usage[step.node] {
                item["usage"] = "\(used.calls) model call\(used.calls == 1 ? "" : "s"), \(used.promptTokens + used.completionTokens) tokens, "
                    + ConsoleView.money(used.costMicros)
            }
            if let started = step.startedAt, let finished = step.finishedAt {
                item["duration"] = ConsoleView.duration(milliseconds: finished.millisecondsSinceEpoch - started.millisecondsSinceEpoch)
            }
            item["error"] = ConsoleView.errorText(step.error)
            item["output"] = step.output.map(ConsoleView.json)
            return item
        }
        if let version = try? await services.definitions.definitions.workflowVersion(record.workflowID.rawValue, version: record.workflowVersion,
                                                                                      in: scope).1 {
            data["svg"] = WorkflowGraph.svg(version.definition, kinds: version.kinds,
                                            statuses: Dictionary(steps.map { ($0.node, $0.status.rawValue) }, uniquingKeysWith: { _, last in last }))
        }
        return (record, data)
    }

    /// One execution as a list row (also the start of its page's data).
    static func row(_ record: ExecutionRecord) -> [String: Any] {
        var data: [String: Any] = [
            "id": record.id.rawValue, "workflow": record.workflowName, "workflowLink": FormEncoding.escape(record.workflowName),
            "version": record.workflowVersion, "status": record.status.rawValue, "environment": record.environment.rawValue,
            "trigger": record.trigger, "createdAt": record.createdAt.rfc3339, "created": ConsoleView.time(record.createdAt),
            "cost": ConsoleView.money(record.costMicros),
        ]
        if let finished = record.finishedAt {
            data["duration"] = ConsoleView.duration(milliseconds: finished.millisecondsSinceEpoch - record.createdAt.millisecondsSinceEpoch)
        }
        return data
    }
}
