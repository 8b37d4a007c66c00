import Core
import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// Alerts (`/api/v1/alerts`, `…/history`) and error groups (`/api/v1/errors`) on one page.
enum ConsoleAlertPages {
    static func show(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        let scope = try context.scope()
        let now = services.clock.now()
        let week = now.adding(milliseconds: -7 * Milliseconds.day)
        var data = await ConsoleFrame.data(context, services, title: "Alerts and errors", nav: "alerts")
        let active = try await services.alerts.alerts.active(in: scope, now: now)
        data["active"] = active.map { alert -> [String: Any] in
            let phase = alert.state.phase.rawValue
            return ["rule": alert.rule, "subject": alert.subject, "severity": alert.severity.rawValue, "state": phase,
                    "stateClass": phase == "firing" ? "failed" : "waiting", "silenced": alert.silenced,
                    "since": ConsoleView.time(alert.state.since), "value": String(format: "%g", alert.state.value)]
        }
        data["hasActive"] = !active.isEmpty
        let history = try await services.alerts.alerts.history(in: scope, filter: .init(since: week, limit: 50))
        data["history"] = history.map { event -> [String: Any] in
            ["when": ConsoleView.time(event.at), "change": event.change, "rule": event.rule, "subject": event.subject, "detail": event.detail]
        }
        data["hasHistory"] = !history.isEmpty
        if scope.allows(.errorsView) {
            var filter = ErrorGroupStore.Filter()
            filter.since = week
            filter.limit = 50
            let groups = try await services.executions.executions.errors.list(in: scope, filter: filter)
            data["errors"] = groups.map { group -> [String: Any] in
                ["count": group.count, "kind": group.kind, "node": group.node ?? "", "message": group.message,
                 "workflows": group.workflows.map(\.name).joined(separator: ", "), "sample": group.sampleExecution,
                 "lastSeen": ConsoleView.time(group.lastSeen)]
            }
            data["hasErrors"] = !groups.isEmpty
        }
        return HTMLResponse.page(ConsoleView.render("alerts", data))
    }
}
