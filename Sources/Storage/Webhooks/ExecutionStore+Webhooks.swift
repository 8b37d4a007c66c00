import Core
import GRDB

/// A webhook delivery that passed its checks starts its execution in one transaction with its
/// delivery row and the `execution.started` audit: the delivery id is accepted once
/// (`webhook_delivery_once`), so a replay, or the same delivery sent twice at once, starts
/// nothing the second time.
extension ExecutionStore {
    public func acceptDelivery(_ webhook: WebhookRecord, deliveryID: String, input: JSONValue, remote: String?, now: Instant) async throws
        -> WebhookAcceptance {
        let inputText = input.canonicalText
        let store = self
        let audit = self.audit
        return try await database.writer.submit { db in
            if let earlier = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT execution_id FROM webhook_delivery WHERE webhook_id = ? AND delivery_id = ? AND outcome = 'accepted'
                """), arguments: [webhook.id.rawValue, deliveryID]) {
                let executionID: String? = earlier["execution_id"]
                try WebhookStore.insertDelivery(webhook: webhook.id.rawValue, deliveryID: deliveryID, outcome: .replay, executionID: executionID,
                                                remote: remote, detail: "accepted before", now: now, db)
                return .replay(executionID: executionID)
            }
            let actor = "webhook:\(webhook.id.rawValue)"
            // The webhook acts for its team (or the org) with no more than running needs.
            let scope = Scope(orgID: webhook.orgID, reach: .org, roles: [.operator], teams: webhook.teamID.map { [$0] } ?? [])
            let context = ChangeContext(scope: scope, actor: actor, requestID: nil, now: now)
            let request = NewExecution(workflow: webhook.workflowID.rawValue, environment: webhook.environment, input: input, trigger: "webhook")
            var started: (ExecutionRecord, ExecutionEffects)?
            var failure: String?
            do {
                guard inputText.utf8.count <= Self.maximumInputBytes else {
                    throw ValidationError(field: "input", "is \(inputText.utf8.count) bytes of JSON; at most \(Self.maximumInputBytes)")
                }
                try db.inSavepoint {
                    started = try store.insert(request, inputText: inputText, context: context, db)
                    return .commit
                }
            } catch let error as ValidationError {
                failure = "the input is invalid: " + error.violations.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
            } catch let error as ExecutionError {
                failure = "\(error)"
            } catch let error as StorageError {
                failure = "\(error)"
            }
            guard let (record, effects) = started else {
                try WebhookStore.insertDelivery(webhook: webhook.id.rawValue, deliveryID: deliveryID, outcome: .startFailed, executionID: nil,
                                                remote: remote, detail: failure, now: now, db)
                return .startFailed(failure ?? "it could not start")
            }
            try WebhookStore.insertDelivery(webhook: webhook.id.rawValue, deliveryID: deliveryID, outcome: .accepted, executionID: record.id.rawValue,
                                            remote: remote, detail: nil, now: now, db)
            try audit.append(AuditEntry(at: now, orgID: webhook.orgID.rawValue, actor: actor, action: .executionStarted,
                                        targetType: ResourceType.execution.rawValue, targetID: record.id.rawValue, requestID: nil,
                                        details: ["workflow": record.workflowName, "version": "\(record.workflowVersion)", "webhook": webhook.name,
                                                  "delivery": deliveryID]), in: db)
            return .accepted(record, effects)
        }
    }
}
