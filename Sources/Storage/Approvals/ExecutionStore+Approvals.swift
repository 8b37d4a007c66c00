import Core
import Foundation
import GRDB

/// Approval steps (docs/governance.md). The step waits with no worker held: its request is a
/// row, its expiry a timer job (`purpose = expire`). A decision that settles the request, or
/// the expiry, completes the step in the same unit that ends the request, so the next steps
/// are ready when the decision commits; an execution that ends first cancels its requests.
extension ExecutionStore {
    /// Opens the request for an approval step that started (inside `apply`).
    func openApproval(_ id: String, policy: ApprovalPolicy, message: String?, node: String, attempt: Int, of execution: ExecutionRecord,
                      now: Int64, _ db: Database, _ effects: inout ExecutionEffects) throws {
        let start = Instant(millisecondsSinceEpoch: now)
        let expires = ApprovalRules.expiry(of: policy, from: start)
        let policyText = String(decoding: try JSONEncoder().encode(policy), as: UTF8.self)
        try db.cachedStatement(sql: """
            INSERT INTO approval (id, org_id, team_id, execution_id, node_id, attempt, workflow_name, environment, policy, message, requested_by,
                status, created_at, expires_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [id, execution.orgID.rawValue, execution.teamID?.rawValue, execution.id.rawValue, node, attempt,
                                     execution.workflowName, execution.environment.rawValue, policyText, message,
                                     try ApprovalRows.person(behind: execution.createdBy, db), ApprovalStatus.pending.rawValue, now,
                                     expires?.millisecondsSinceEpoch])
        if let expires {
            effects.timers.append(try Jobs.open(db, execution: execution.id.rawValue, node: node, attempt: attempt, purpose: .expire,
                                                org: execution.orgID.rawValue, readyAt: expires.millisecondsSinceEpoch, owner: instance, timer: true))
        }
    }

    /// Records a person's decision. When it settles the request (the quorum approved, or one
    /// rejection) the request ends and its step completes with the decision as output, in
    /// this unit; the effects carry the steps that became ready. Refusals throw
    /// `ApprovalRefusal`; a request the caller cannot see is not found.
    public func decide(_ reference: String, _ choice: ApprovalVote.Choice, comment: String?, by user: UserID,
                       context: ChangeContext) async throws -> (ApprovalRecord, ExecutionEffects) {
        let store = self
        let audit = self.audit
        return try await database.writer.submit { db in
            let request = try ApprovalRows.visible(reference, context.scope, db)
            guard request.status == .pending else { throw ApprovalRefusal.notPending(request.status) }
            let vote = try Votes.cast(choice, comment: comment, by: user, on: request.id.rawValue, in: .approval, org: request.orgID,
                                      policy: request.policy, requestedBy: request.requestedBy, votes: request.votes, at: context.now, db)
            let details = Votes.details(vote).merging(["execution": request.executionID, "node": request.node, "workflow": request.workflow]) { $1 }
            try audit.append(AuditEntry(at: context.now, orgID: request.orgID.rawValue, actor: context.actor, action: .approvalDecided,
                                        targetType: ResourceType.approval.rawValue, targetID: request.id.rawValue, requestID: context.requestID,
                                        details: details), in: db)
            let votes = request.votes + [vote]
            var effects = ExecutionEffects()
            let settled = ApprovalRules.tally(request.policy, votes)
            if settled != .pending {
                let output = ApprovalRules.output(id: request.id.rawValue, status: settled, expired: false, message: request.message, votes: votes)
                try store.settle(request, as: settled, outcome: .succeeded(output), now: context.now, db, &effects)
            }
            return (try ApprovalRows.visible(request.id.rawValue, context.scope, db), effects)
        }
    }

    /// The expiry job of a request came due: if nobody settled it meanwhile, it ends as
    /// `expired` and its step completes as `on_expiry` says. Fenced like a completion.
    public func expireApproval(_ ticket: JobTicket, now: Instant) async throws -> ExecutionEffects {
        let store = self
        let audit = self.audit
        return try await database.writer.submit { db in
            var effects = ExecutionEffects()
            guard try StatusTransitions.closeJob(ticket.id, token: ticket.token, db).didMove else {
                effects.accepted = false
                return effects
            }
            guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT * FROM approval WHERE execution_id = ? AND node_id = ? AND attempt = ? AND status = 'pending'
                """), arguments: [ticket.executionID, ticket.node, ticket.attempt]) else { return effects }
            let request = try ApprovalRows.record(from: row, db)
            let outcome: StepOutcome
            switch request.policy.onExpiry {
            case .approve, .reject:
                let status: ApprovalStatus = request.policy.onExpiry == .approve ? .approved : .rejected
                outcome = .succeeded(ApprovalRules.output(id: request.id.rawValue, status: status, expired: true, message: request.message,
                                                          votes: request.votes))
            case .fail:
                outcome = .failed(StepError(.timeout, "approval \(request.id.rawValue) expired undecided (on_expiry: fail)"))
            }
            try audit.append(AuditEntry(at: now, orgID: request.orgID.rawValue, actor: "execution:\(request.executionID)", action: .approvalExpired,
                                        targetType: ResourceType.approval.rawValue, targetID: request.id.rawValue, requestID: nil,
                                        details: ["on_expiry": request.policy.onExpiry.rawValue, "execution": request.executionID, "node": request.node,
                                                  "votes": "\(request.votes.count)"]), in: db)
            try store.settle(request, as: .expired, outcome: outcome, now: now, db, &effects)
            return effects
        }
    }

    /// Ends the request and completes its step with `outcome`; its expiry job is closed.
    private func settle(_ request: ApprovalRecord, as status: ApprovalStatus, outcome: StepOutcome, now: Instant, _ db: Database,
                        _ effects: inout ExecutionEffects) throws {
        guard try StatusTransitions.approval(request.id.rawValue, to: status, setting: [.set("decided_at", now.millisecondsSinceEpoch)], db).didMove else {
            return
        }
        try StatusTransitions.closeJobs(ofStep: request.executionID, node: request.node, purpose: .expire, db)
        let execution = try Self.record(request.executionID, db)
        guard !execution.status.isTerminal else { return }
        try apply(outcome, to: request.node, attempt: request.attempt, of: execution, now: now, jitter: 0, db, &effects)
        // The next step starts with no commit more: marked begun here, its execution carried.
        if let begun = try Self.beginNext(of: request.executionID, in: effects.ready, db) {
            effects.begun = begun
            let compiled = try workflows.compiled(workflow: execution.workflowID.rawValue, version: execution.workflowVersion, db)
            effects.resumed.append(StartedExecution(record: execution, compiled: compiled, inputBytes: execution.input.canonicalText.utf8.count))
        }
    }

    /// Cancels the requests still open when their execution ends (inside `end`).
    func cancelApprovals(ofExecution execution: String, now: Int64, _ db: Database) throws {
        try StatusTransitions.approvals(ofExecution: execution, to: .cancelled, setting: [.set("decided_at", now)], db)
    }
}
