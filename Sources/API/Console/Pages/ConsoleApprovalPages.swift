import Core
import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// The approvals inbox (`agentctl approvals`, `/api/v1/approvals`): requests waiting for the
/// person, and deciding them with a comment, as `POST /api/v1/approvals/{id}/approve|reject`.
enum ConsoleApprovalPages {
    static func show(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        try await page(context, services, problem: nil, status: .ok)
    }

    static func decide(_ request: Request, _ context: AgentRequestContext, _ services: ConsoleServices) async throws -> Response {
        let form = try await ConsoleForm.read(request, limits: services.approvals.limits)
        let choice: ApprovalVote.Choice
        switch form["decision"] {
        case "approve": choice = .approve
        case "reject": choice = .reject
        default: return try await page(context, services, problem: "Choose Approve or Reject.", status: .unprocessableContent)
        }
        let comment = form.value("comment")
        if let comment, comment.count > 4000 {
            return try await page(context, services, problem: "The comment is longer than 4000 characters.", status: .unprocessableContent)
        }
        guard let user = try requireCaller(context).userID else { throw APIError.personRequired("Deciding on an approval") }
        do {
            _ = try await services.approvals.decide(context.parameters.require("approval"), choice, comment: comment, by: user,
                                                    context: context.change(services.clock))
            return HTMLResponse.redirect("/ui/approvals")
        } catch {
            // A decided, expired or not-yours request says why on the page; a missing one is a 404.
            let (problem, status) = try ConsoleForm.refusal(error, shown: [403, 409, 422])
            return try await page(context, services, problem: problem, status: status)
        }
    }

    static func page(_ context: AgentRequestContext, _ services: ConsoleServices, problem: String?, status: HTTPResponse.Status) async throws -> Response {
        let scope = try context.scope()
        let now = services.clock.now()
        var data = await ConsoleFrame.data(context, services, title: "Approvals", nav: "approvals")
        let canDecide = scope.allows(.approvalsDecide)
        var mine: [ApprovalRecord] = []
        if canDecide, let user = context.caller?.userID {
            mine = try await services.approvals.approvals.list(in: scope, filter: .init(status: .pending, decidableBy: user), now: now,
                                                               page: PageRequest(limit: 50)).items
        }
        let all = try await services.approvals.approvals.list(in: scope, filter: .init(), now: now, page: PageRequest(limit: 50)).items
        data["mine"] = mine.map { item(for: $0, canDecide: canDecide) }
        data["hasMine"] = !mine.isEmpty
        data["all"] = all.map { item(for: $0, canDecide: false) }
        data["hasAll"] = !all.isEmpty
        data["problem"] = problem
        return HTMLResponse.page(ConsoleView.render("approvals", data), status: status)
    }

    static func item(for record: ApprovalRecord, canDecide: Bool) -> [String: Any] {
        [
            "id": record.id.rawValue, "execution": record.executionID, "workflow": record.workflow, "node": record.node,
            "environment": record.environment.rawValue, "message": record.message as Any, "status": record.status.rawValue,
            "when": ConsoleView.time(record.createdAt), "expires": record.expiresAt.map(ConsoleView.time) as Any,
            "decided": record.decidedAt.map(ConsoleView.time) ?? "", "quorum": record.policy.quorum,
            "approvals": Set(record.votes.filter { $0.choice == .approve }.map(\.counted)).count, "canDecide": canDecide,
            "votes": record.votes.map { vote -> [String: Any] in
                ["by": vote.login, "decision": vote.choice == .approve ? "approved" : "rejected", "comment": vote.comment as Any]
            },
        ]
    }
}
