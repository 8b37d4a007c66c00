import Core
import GRDB

/// A webhook delivery that passed its checks starts its execution in one transaction with its
/// delivery row and the `execution.started` audit: the delivery id is accepted once
/// (`webhook_delivery_once`), so a replay, or the same delivery sent twice at once, starts
/// nothing the second time.
extension ExecutionStore {
    public func acceptDelivery(_ webhook: WebhookRecord, deliveryID: String, input: JSONValue, remote: String?, now: Instant) async throws
        -> WebhookAcceptance {
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
            let record: ExecutionRecord, effects: ExecutionEffects
            switch try store.startForTrigger(workflow: webhook.workflowID, environment: webhook.environment, input: input, trigger: "webhook",
                                             actor: actor, org: webhook.orgID, team: webhook.teamID, now: now, db) {
            case .success(let started):
                (record, effects) = started
            case .failure(let failure):
                try WebhookStore.insertDelivery(webhook: webhook.id.rawValue, deliveryID: deliveryID, outcome: .startFailed, executionID: nil,
                                                remote: remote, detail: failure.reason, now: now, db)
                return .startFailed(failure.reason)
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
