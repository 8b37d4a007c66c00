import Core
import Storage

/// One evaluation of every rule against what was measured (pure given its inputs): each rule's
/// value per subject, each instance stepped through `AlertTransition`, and the notifications of
/// instances that changed the same way grouped into one per rule.
struct AlertRound {
    var updates: [AlertBook.Update] = []
    var changes: [AlertBook.Change] = []
    var notifications: [(org: OrgID, channels: [String], notification: AlertNotification)] = []

    init(rules: [AlertBook.Rule], measures: AlertBook.Measures, site: (Int64) -> [String: Double], now: Instant) {
        for rule in rules {
            let record = rule.record
            let values = Self.values(record.expression, org: record.orgID, measures: measures, site: site)
            var told: [AlertNotice: [AlertNotification.Instance]] = [:]
            for subject in Set(values.keys).union(rule.instances.keys).sorted() {
                let before = rule.instances[subject]
                let value = values[subject]
                let outcome = AlertTransition.next(before, holds: value.map(record.expression.holds) ?? false, value: value ?? before?.value ?? 0, now: now,
                                                   forMilliseconds: record.forMilliseconds, repeatMilliseconds: record.repeatMilliseconds,
                                                   silenced: rule.silenced)
                if outcome.state != before {
                    // A value that moved is kept only when the phase or notification changed too,
                    // or it moved by more than a rounding: a firing alert's row is not rewritten
                    // every round for nothing.
                    if outcome.state?.phase != before?.phase || outcome.state?.notifiedAt != before?.notifiedAt
                        || abs((outcome.state?.value ?? 0) - (before?.value ?? 0)) >= 0.0005 {
                        updates.append(AlertBook.Update(org: record.orgID, rule: record.name, subject: subject, state: outcome.state))
                    }
                }
                if let change = outcome.change {
                    changes.append(AlertBook.Change(org: record.orgID, rule: record.name, subject: subject, change: change, value: value ?? before?.value ?? 0))
                }
                if let notice = outcome.notice {
                    let state = outcome.state ?? before
                    told[notice, default: []].append(.init(subject: subject, value: value ?? before?.value ?? 0, since: state?.since ?? now))
                }
            }
            guard !record.channels.isEmpty else { continue }
            for notice in AlertNotice.allCases {
                guard let instances = told[notice] else { continue }
                notifications.append((record.orgID, record.channels,
                                      AlertNotification(org: rule.orgName, rule: record.name, severity: record.severity, notice: notice,
                                                        expression: record.expression.text, comment: record.description, instances: instances, at: now)))
            }
        }
    }

    /// The rule's value for each subject it is about ("" for a rule with one).
    static func values(_ expression: AlertExpression, org: OrgID, measures: AlertBook.Measures, site: (Int64) -> [String: Double]) -> [String: Double] {
        func narrowed(_ all: [String: Double]) -> [String: Double] {
            expression.isPerSubject ? all : all[expression.subject].map { [expression.subject: $0] } ?? [:]
        }
        switch expression.kind {
        case .failureRate:
            let outcomes = measures.outcomes[expression.windowMilliseconds]?[org] ?? [:]
            return narrowed(outcomes.filter { $0.value.finished >= expression.minimumExecutions }
                .mapValues { Double($0.failed) / Double($0.finished) })
        case .consecutiveFailures:
            return narrowed((measures.consecutiveFailures[org] ?? [:]).mapValues(Double.init))
        case .budgetUsed:
            return narrowed(measures.budgetUsed[org] ?? [:])
        case .queueDepth:
            return ["": Double(measures.queued[org] ?? 0)]
        case .apiLatencyP99, .writerStall, .vaultSealed, .diskFree:
            return site(expression.windowMilliseconds)[expression.kind.rawValue].map { ["": $0] } ?? [:]
        }
    }
}
