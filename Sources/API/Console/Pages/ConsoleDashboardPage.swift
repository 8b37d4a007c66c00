import Core
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle
import Storage

/// The dashboard: what runs now, the last hour and day, durations, queue depth, cost today
/// against the budget, open breakers and recent failures, over the teams the caller sees.
enum ConsoleDashboardPage {
    static func show(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        var data = await ConsoleFrame.data(context, services, title: "Dashboard", nav: "dashboard")
        try await data.merge(live(context.scope(), services)) { _, new in new }
        return HTMLResponse.page(ConsoleView.render("dashboard", data))
    }

    /// The live part again every few seconds, rendered, as server-sent events (the script puts
    /// it in place). The stream ends after a while and the browser reconnects, so a stream
    /// never outlives a changed permission by long.
    static func events(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        let scope = try context.scope()
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        HTMLResponse.secure(&headers)
        let body = ResponseBody { writer in
            // Ends when agentd begins to stop, so an open console never holds up a shutdown.
            let pause = InterruptibleSleep()
            try await withGracefulShutdownHandler {
                for _ in 0..<interval.rounds {
                    guard await pause.sleep(for: interval.every) else { break }
                    let html = ConsoleView.render("dashboard-live", try await live(scope, services))
                    try await writer.write(ByteBuffer(string: sse("overview", html)))
                }
            } onGracefulShutdown: {
                pause.interrupt()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    static let interval = (every: Duration.seconds(5), rounds: 60)

    /// One server-sent event; every line of `data` gets its own `data:` (the browser joins them).
    static func sse(_ event: String, _ data: String) -> String {
        "event: \(event)\n" + data.split(separator: "\n", omittingEmptySubsequences: false).map { "data: \($0)\n" }.joined() + "\n"
    }

    static func live(_ scope: Scope, _ services: ConsoleServices) async throws -> [String: Any] {
        let now = services.clock.now()
        let store = services.executions.executions
        let overview = try await store.overview(in: scope, now: now)
        let day = try await store.day(in: scope, now: now)
        var data: [String: Any] = [
            "running": overview.now[.running] ?? 0, "queued": overview.now[.queued] ?? 0, "waiting": overview.now[.waiting] ?? 0,
            "queueDepth": overview.openJobs,
            "hour": ["succeeded": overview.lastHour[.succeeded] ?? 0, "failed": overview.lastHour[.failed] ?? 0],
            "at": now.rfc3339, "atText": ConsoleView.time(now),
        ]
        var daySucceeded = 0, dayFailed = 0
        var bars: [BarChart.Bar] = []
        let firstHour = (now.millisecondsSinceEpoch / Milliseconds.hour - 23) * Milliseconds.hour
        for index in 0..<24 {
            let hour = firstHour + Int64(index) * Milliseconds.hour
            let counts = day.hours[hour] ?? [:]
            let succeeded = counts[.succeeded] ?? 0, failed = counts[.failed] ?? 0, cancelled = counts[.cancelled] ?? 0
            daySucceeded += succeeded
            dayFailed += failed
            let label = String(Instant(millisecondsSinceEpoch: hour).rfc3339.dropFirst(11).prefix(5))
            bars.append(BarChart.Bar(label: label, values: [Double(succeeded), Double(failed), Double(cancelled)]))
        }
        data["day"] = ["succeeded": daySucceeded, "failed": dayFailed]
        // Upper bounds of duration buckets, hence "≤".
        data["duration"] = ["p50": day.p50.map { "≤ " + ConsoleView.duration(milliseconds: $0) } ?? "–",
                            "p95": day.p95.map { "≤ " + ConsoleView.duration(milliseconds: $0) } ?? "–"]
        let runs = BarChart(title: "Executions ended per hour over the last 24 hours (UTC)",
                            series: [.init("ok", name: "succeeded"), .init("failed", name: "failed"), .init("other", name: "cancelled")], bars: bars)
        data["chart"] = ["runs": runs.svg()]
        if scope.allows(.costsView) {
            let spent = try await services.costs.costs.spentToday(in: scope, now: now)
            var cost: [String: Any] = ["today": ConsoleView.money(spent)]
            if let budget = try await services.costs.budgets.list(in: scope, now: now).first(where: { $0.budget.teamID == nil }) {
                let limit = budget.budget.limitMicros
                cost["budget"] = ["spent": ConsoleView.money(budget.spentMicros), "limit": ConsoleView.money(limit),
                                  "period": budget.budget.period == .monthly ? "month" : "quarter",
                                  "percent": limit > 0 ? min(100, Int(budget.spentMicros * 100 / limit)) : 100]
            }
            data["cost"] = cost
        }
        let breakers = services.executions.openBreakers(of: scope.orgID)
        data["breakers"] = breakers
        data["hasBreakers"] = !breakers.isEmpty
        let failures = try await store.recentFailures(in: scope, since: now.adding(milliseconds: -Milliseconds.day), limit: 8)
        data["failures"] = failures.map { record -> [String: Any] in
            ["id": record.id.rawValue, "workflow": record.workflowName, "error": ConsoleView.errorText(record.error) ?? "",
             "at": (record.finishedAt ?? record.createdAt).rfc3339, "when": ConsoleView.time(record.finishedAt ?? record.createdAt)]
        }
        data["hasFailures"] = !failures.isEmpty
        return data
    }
}
