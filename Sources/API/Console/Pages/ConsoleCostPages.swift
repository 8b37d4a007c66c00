import Core
import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// Costs (`agentctl costs`, `GET /api/v1/costs*`): what the API answers, as one page, and the
/// budget form (`PUT /api/v1/budgets`).
enum ConsoleCostPages {
    static let windows: [(value: String, label: String, days: Int64)] = [("7d", "Last 7 days", 7), ("30d", "Last 30 days", 30), ("90d", "Last 90 days", 90)]

    static func show(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        let chosen = request.uri.queryParameters["since"].map(String.init) ?? "30d"
        return try await page(context, services, window: chosen, problem: nil, notice: nil, status: .ok)
    }

    /// Sets a budget as `PUT /api/v1/budgets` does; in an org whose changes need approval it
    /// becomes a change request, which the page says.
    static func setBudget(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        let form = try await ConsoleForm.read(request, limits: services.costs.limits)
        guard let period = BudgetPeriod(rawValue: form["period"] ?? "monthly") else {
            return try await page(context, services, window: "30d", problem: "Period must be monthly or quarterly.", notice: nil, status: .unprocessableContent)
        }
        guard let limit = form.value("limit").flatMap(Money.parseDollars) else {
            return try await page(context, services, window: "30d", problem: "The limit must be an amount of dollars, like 250 or 99.50.", notice: nil,
                                  status: .unprocessableContent)
        }
        do {
            switch try await services.costs.budgets.set(team: form.value("team"), period: period, limitMicros: limit,
                                                        allowOverage: form["allow_overage"] == "on", context: context.change(services.clock)) {
            case .set:
                return HTMLResponse.redirect("/ui/costs")
            case .requested(let change):
                return try await page(context, services, window: "30d", problem: nil,
                                      notice: "The change needs approval: change request \(change.id.rawValue) is waiting.", status: .accepted)
            }
        } catch {
            // A team that is not there, a limit out of range: on the page.
            let (problem, status) = try ConsoleForm.refusal(error, shown: [400, 404, 409, 422])
            return try await page(context, services, window: "30d", problem: problem, notice: nil, status: status)
        }
    }

    static func page(_ context: AgentRequestContext, _ services: ConsoleServices, window chosen: String, problem: String?, notice: String?,
                     status: HTTPResponse.Status) async throws -> Response {
        let scope = try context.scope()
        let now = services.clock.now()
        let window = windows.first { $0.value == chosen } ?? windows[1]
        let tomorrow = Instant(millisecondsSinceEpoch: (now.millisecondsSinceEpoch / Milliseconds.day + 1) * Milliseconds.day)
        let since = Instant(millisecondsSinceEpoch: tomorrow.millisecondsSinceEpoch - window.days * Milliseconds.day)
        let costs = services.costs.costs
        var data = await ConsoleFrame.data(context, services, title: "Costs", nav: "costs")
        data["windows"] = windows.map { ["value": $0.value, "label": $0.label, "selected": $0.value == window.value] }
        let (projection, budget) = try await costs.forecast(in: scope, now: now)
        var forecast: [String: Any] = ["spent": ConsoleView.money(projection.spentMicros), "rate": ConsoleView.money(projection.dailyRateMicros) + " a day",
                                       "projected": ConsoleView.money(projection.projectedMicros), "end": String(ConsoleView.time(projection.periodEnd).prefix(10))]
        if let budget {
            let percent = Int((Double(projection.projectedMicros) * 100 / Double(max(1, budget.budget.limitMicros))).rounded())
            forecast["budget"] = ["percent": percent, "meter": min(100, percent), "limit": ConsoleView.money(budget.budget.limitMicros)]
        }
        data["forecast"] = forecast
        let trend = try await costs.trend(in: scope, since: since, until: tomorrow)
        data["total"] = ConsoleView.money(trend.reduce(0) { $0 + $1.costMicros })
        data["chart"] = BarChart(title: "Cost per day, \(window.label.lowercased())", series: [.init("cost", name: "cost")],
                                 bars: trend.map { BarChart.Bar(label: String($0.key.dropFirst(5)), values: [Double($0.costMicros) / 1_000_000]) },
                                 format: { String(format: "$%.2f", $0) }).svg()
        var breakdowns: [[String: Any]] = []
        for dimension in [CostDimension.model, .workflow, .team, .user, .agent] {
            let rows = try await costs.breakdown(in: scope, by: dimension, since: since, until: tomorrow)
            breakdowns.append(["dimension": dimension.rawValue, "hasRows": !rows.isEmpty, "rows": rows.prefix(10).map { row -> [String: Any] in
                ["key": row.key.isEmpty ? "(none)" : row.key, "calls": row.calls, "failed": row.failedCalls,
                 "tokens": row.promptTokens + row.completionTokens, "cost": ConsoleView.money(row.costMicros)]
            }])
        }
        data["breakdowns"] = breakdowns
        let top = try await costs.topExecutions(in: scope, since: since, limit: 10)
        data["top"] = top.map { row -> [String: Any] in
            ["id": row.id, "workflow": row.workflow, "status": row.status, "tokens": row.usage.promptTokens + row.usage.completionTokens,
             "cost": ConsoleView.money(row.costMicros)]
        }
        data["hasTop"] = !top.isEmpty
        let advice = try await costs.advice(in: scope, since: since, now: now)
        data["advice"] = advice.map { item -> [String: Any] in
            ["subject": item.subject, "message": item.message, "saving": item.savingMicros.map(ConsoleView.money) as Any]
        }
        data["hasAdvice"] = !advice.isEmpty
        let budgets = try await services.costs.budgets.list(in: scope, now: now)
        data["budgets"] = budgets.map { status -> [String: Any] in
            let percent = status.budget.limitMicros == 0 ? 0 : Int((Double(status.spentMicros) * 100 / Double(status.budget.limitMicros)).rounded())
            return ["scope": status.budget.label, "period": status.budget.period.rawValue, "limit": ConsoleView.money(status.budget.limitMicros),
                    "spent": ConsoleView.money(status.spentMicros), "percent": percent, "meter": min(100, percent), "overage": status.budget.allowOverage]
        }
        data["hasBudgets"] = !budgets.isEmpty
        data["problem"] = problem
        data["notice"] = notice
        return HTMLResponse.page(ConsoleView.render("costs", data), status: status)
    }
}
