/// Every metric family agentd exposes at `/metrics`: the one table the recorders, the scrape,
/// the docs (docs/metrics.md) and the tests read.
///
/// Labels are bounded: route templates, statuses, step kinds, results; never an execution or a
/// user. Tenant names never appear; org ids appear only in `orgExecutionsActive`, which is
/// exposed only when `[metrics] require_auth` is on.
public enum MetricCatalog {
    // MARK: Recorded as they happen

    public static let httpRequests = MetricFamily(
        "agentd_http_requests_total", .counter, labels: ["method", "route", "status"], source: .event,
        "HTTP requests served, by method, route template (unmatched when no route matched) and status.")
    public static let httpRequestDuration = MetricFamily(
        "agentd_http_request_duration_seconds", .histogram, labels: ["method", "route"], source: .event,
        buckets: [0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        "HTTP request latency, by method and route template.")
    public static let writerCommits = MetricFamily(
        "agentd_writer_commits_total", .counter, labels: ["result"], source: .event,
        "Writer transactions, by result (ok, failed).")
    public static let writerUnits = MetricFamily(
        "agentd_writer_units_total", .counter, labels: ["result"], source: .event,
        "Units of work through the writer, by result (committed, failed).")
    public static let writerBatchUnits = MetricFamily(
        "agentd_writer_batch_units", .histogram, source: .event,
        buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
        "Units of work per writer transaction.")
    public static let writerCommitDuration = MetricFamily(
        "agentd_writer_commit_seconds", .histogram, source: .event,
        buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
        "Time from BEGIN to the end of COMMIT of a writer transaction.")
    public static let stepDuration = MetricFamily(
        "agentd_step_duration_seconds", .histogram, labels: ["kind", "outcome"], source: .event,
        buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600],
        "Step attempt duration, by step kind and outcome (succeeded, failed, skipped, waiting).")
    public static let webhookDeliveries = MetricFamily(
        "agentd_webhook_deliveries_total", .counter, labels: ["outcome"], source: .event,
        "Deliveries to webhook receivers, by outcome (accepted, bad_signature, expired, replay, rate_limited, …), counted even when not written down.")

    public static let executionsFinished = MetricFamily(
        "agentd_executions_finished_total", .counter, labels: ["status", "workflow_id"], source: .event,
        "Executions that ended, by status (succeeded, failed, cancelled) and workflow id (never its name).")
    public static let executionDuration = MetricFamily(
        "agentd_execution_duration_seconds", .histogram, labels: ["status"], source: .event,
        buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 86400],
        "Time from an execution's creation to its end (waits on people and timers included), by how it ended.")
    public static let llmTokens = MetricFamily(
        "agentd_llm_tokens_total", .counter, labels: ["kind"], source: .event,
        "Tokens of llm calls as the model servers reported them, by kind (prompt, completion).")
    public static let llmCost = MetricFamily(
        "agentd_llm_cost_dollars_total", .counter, source: .event,
        "What llm calls cost at the models' prices, in dollars.")
    public static let llmCalls = MetricFamily(
        "agentd_llm_calls_total", .counter, labels: ["result"], source: .event,
        "Calls to model servers, by result (succeeded, failed).")
    public static let auditForwarded = MetricFamily(
        "agentd_audit_forwarded_total", .counter, labels: ["result"], source: .event,
        "Audit events forwarded to `[audit] forward` (result sent), and failed attempts to send a batch (result failed).")

    public static let traceSpans = MetricFamily(
        "agentd_trace_spans_total", .counter, labels: ["result"], source: .event,
        "Spans sent to the OpenTelemetry collector (result exported), and spans lost: the queue was full or the collector refused them after retries (result dropped).")

    public static let retentionRemoved = MetricFamily(
        "agentd_retention_removed_total", .counter, labels: ["kind"], source: .event,
        "What retention removed: whole executions (kind executions), the step payloads of executions (kind step_payloads), audit events (kind audit_events).")

    public static let retentionFreedBytes = MetricFamily(
        "agentd_retention_freed_bytes_total", .counter, source: .event,
        "Bytes retention gave back to the file system (incremental vacuum of the pages it freed).")

    public static let piiMasked = MetricFamily(
        "agentd_pii_masked_total", .counter, labels: ["kind"], source: .event,
        "Personal data masked under privacy policies, by kind (email, phone, iban, payment_card, ipv4, ipv6, us_ssn, de_tax_id, uk_nino; custom for an org's own patterns). Counts, never values.")

    public static let errorsForwarded = MetricFamily(
        "agentd_errors_forwarded_total", .counter, labels: ["result"], source: .event,
        "Failed executions sent to Sentry (result sent), and failed attempts (result failed).")

    public static let alertEvaluation = MetricFamily(
        "agentd_alert_evaluation_seconds", .histogram, source: .event, buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
        "How long one evaluation round over every alert rule took (read, evaluate, record).")

    public static let alertsDelivered = MetricFamily(
        "agentd_alert_notifications_total", .counter, labels: ["result"], source: .event,
        "Alert notifications a channel took (result sent), and failed tries (result failed; retried, then the channel is marked down).")

    // MARK: Read at scrape

    public static let databaseSize = MetricFamily(
        "agentd_database_size_bytes", .gauge, source: .scrape, "Database file plus write-ahead log.")
    public static let uptime = MetricFamily(
        "agentd_uptime_seconds", .gauge, source: .scrape, "Whole seconds since the daemon started.")
    public static let executions = MetricFamily(
        "agentd_executions", .gauge, labels: ["status"], source: .scrape, "Executions stored, by status.")
    public static let executionsActive = MetricFamily(
        "agentd_executions_active", .gauge, source: .scrape, "Unfinished executions (queued, running, waiting).")
    public static let orgExecutionsActive = MetricFamily(
        "agentd_org_executions_active", .gauge, labels: ["org"], source: .scrape,
        "Unfinished executions by org id; only when [metrics] require_auth is on.")
    public static let queueDepth = MetricFamily(
        "agentd_queue_depth", .gauge, source: .scrape, "Ready jobs waiting for a worker.")
    public static let jobsOpen = MetricFamily(
        "agentd_jobs_open", .gauge, source: .scrape, "Jobs not yet done (ready, running, or waiting on a timer).")
    public static let breakersOpen = MetricFamily(
        "agentd_breakers_open", .gauge, source: .scrape, "Circuit breakers not closed.")
    public static let stepsSucceeded = MetricFamily(
        "agentd_steps_succeeded_total", .counter, source: .scrape, "Step attempts that succeeded since start.")
    public static let stepsFailed = MetricFamily(
        "agentd_steps_failed_total", .counter, source: .scrape, "Steps that failed for good since start.")
    public static let stepRetries = MetricFamily(
        "agentd_step_retries_total", .counter, source: .scrape, "Failed attempts that were retried since start.")
    public static let staleCompletions = MetricFamily(
        "agentd_stale_completions_total", .counter, source: .scrape, "Completions refused because the job's lease was lost.")
    public static let jobsRecovered = MetricFamily(
        "agentd_jobs_recovered_total", .counter, source: .scrape, "Jobs taken over at start from an earlier process.")
    public static let leaseExpiries = MetricFamily(
        "agentd_lease_expiries_total", .counter, source: .scrape,
        "Running steps whose lease expired (no heartbeat) and that went back to ready.")
    public static let breakerOpens = MetricFamily(
        "agentd_breaker_opens_total", .counter, source: .scrape, "Times any circuit breaker opened since start.")
    public static let scheduleFires = MetricFamily(
        "agentd_schedule_fires_total", .counter, source: .scrape, "Schedule slots that started an execution since start.")
    public static let scheduleSlotsMissed = MetricFamily(
        "agentd_schedule_slots_missed_total", .counter, source: .scrape,
        "Schedule slots not fired since start (missed while down or paused, outside the catch-up window or over its cap, overlap).")
    public static let workflowCacheHits = MetricFamily(
        "agentd_workflow_cache_hits_total", .counter, source: .scrape, "Compiled workflow versions found in the cache.")
    public static let workflowCacheMisses = MetricFamily(
        "agentd_workflow_cache_misses_total", .counter, source: .scrape, "Compiled workflow versions loaded and compiled.")

    /// The whole table, in the order docs/metrics.md lists it.
    public static let all: [MetricFamily] = [
        httpRequests, httpRequestDuration, writerCommits, writerUnits, writerBatchUnits, writerCommitDuration, stepDuration, webhookDeliveries,
        executionsFinished, executionDuration, llmTokens, llmCost, llmCalls, auditForwarded, errorsForwarded, traceSpans, retentionRemoved, retentionFreedBytes, piiMasked, alertEvaluation, alertsDelivered,
        databaseSize, uptime, executions, executionsActive, orgExecutionsActive, queueDepth, jobsOpen, breakersOpen,
        stepsSucceeded, stepsFailed, stepRetries, staleCompletions, jobsRecovered, leaseExpiries, breakerOpens,
        scheduleFires, scheduleSlotsMissed, workflowCacheHits, workflowCacheMisses,
    ]

    /// The family of that name, if the catalog has one.
    public static func family(named name: String) -> MetricFamily? { byName[name] }

    private static let byName: [String: MetricFamily] = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

    /// docs/metrics.md's table, made from the catalog (a test checks the file holds it).
    public static var markdownTable: String {
        var lines = ["| name | type | labels | fed | what |", "|---|---|---|---|---|"]
        for family in all {
            let labels = family.labels.isEmpty ? "—" : family.labels.map { "`\($0)`" }.joined(separator: ", ")
            let fed = family.source == .event ? "as it happens" : "at scrape"
            lines.append("| `\(family.name)` | \(family.kind.rawValue) | \(labels) | \(fed) | \(family.help) |")
        }
        return lines.joined(separator: "\n")
    }
}
