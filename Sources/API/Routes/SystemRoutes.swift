import Core
import Foundation
import Hummingbird
import Prometheus
import Storage

/// The daemon itself: health, readiness, metrics, the OpenAPI document and status.
public enum SystemRoutes: RouteFile {
    public static var routes: [RouteSpec] {
        [
            RouteSpec(.get, "/healthz", needs: .public,
                      Operation(id: "getHealth", summary: "The process is up and answering.", tag: "system",
                                success: (200, Schemas.health, "application/json")),
                      handler: { _, _, _ in try JSONResponse.make(.ok, ["status": "ok"]) }),
            RouteSpec(.get, "/readyz", needs: .public,
                      Operation(id: "getReadiness", summary: "Migrations done, writer alive, database writable.",
                                tag: "system", success: (200, Schemas.health, "application/json"), problems: [503]),
                      handler: readiness),
            RouteSpec(.get, "/metrics", needs: .public,
                      Operation(id: "getMetrics", summary: "Prometheus text exposition of agentd_* metrics.",
                                tag: "system", success: (200, nil, "text/plain; version=0.0.4")),
                      handler: metrics),
            RouteSpec(.get, "/api/v1/openapi.json", needs: .authenticated,
                      Operation(id: "getOpenAPI", summary: "This document.", tag: "system",
                                success: (200, ["type": "object"], "application/json")),
                      handler: { _, _, _ in try JSONResponse.make(.ok, OpenAPIDocument.build(routes: APIRouter.routes)) }),
            RouteSpec(.get, "/api/v1/status", needs: .permission(.systemView),
                      Operation(id: "getStatus", summary: "Version, schema, database and writer statistics.",
                                tag: "system", success: (200, Schemas.status, "application/json")),
                      handler: status),
        ]
    }

    static func readiness(_ request: Request, _ context: AgentRequestContext, _ services: APIServices) async throws -> Response {
        let database = services.database
        guard database.writer.isRunning else {
            throw APIError.notReady("The writer is not running (agentd is starting or stopping).")
        }
        // A sealed vault keeps the engine waiting for `agentctl vault unseal`, which needs the API.
        guard services.engine.hasStarted || services.vault.isSealed else {
            throw APIError.notReady("The engine is still taking over the executions an earlier agentd left unfinished.")
        }
        do {
            // An empty unit takes the write lock (BEGIN IMMEDIATE) and commits: the database is writable.
            try await database.writer.submit { db in _ = try Int.fetchOne(db, sql: "SELECT 1") }
        } catch {
            throw APIError.notReady("The database did not accept a write: \(error). Check the disk and the log.")
        }
        return try JSONResponse.make(.ok, ["status": "ready"])
    }

    static func metrics(_ request: Request, _ context: AgentRequestContext, _ services: APIServices) async throws -> Response {
        let registry = services.registry
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "agentd_database_size", unitName: "bytes",
                                                             helpText: "Database file plus write-ahead log.")).set(Double(services.database.sizeOnDisk()))
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "agentd_uptime", unitName: "seconds",
                                                             helpText: "Seconds since the daemon started."))
            .set(Double((ContinuousClock.now - services.info.startedAtMonotonic).components.seconds))
        // The engine: what is gauged is read now; durations and counts are recorded as they happen.
        let gauges = try await services.executions.gauges()
        for status in ExecutionStatus.allCases {
            registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "agentd_executions", unitName: "", helpText: "Executions by status."),
                               labels: [("status", status.rawValue)])
                .set(Double(gauges.byStatus[status] ?? 0))
        }
        for (org, count) in gauges.activeByOrg {
            registry.makeGauge(descriptor: MetricNameDescriptor(metricName: "agentd_executions_active", unitName: "", helpText: "Unfinished executions by org."),
                               labels: [("org", org)]).set(Double(count))
        }
        let engine = services.engine
        let statistics = engine.statistics
        let cache = services.executions.workflows.statistics
        let breakers = engine.breakers.snapshot()
        for (name, value, help) in [
            ("agentd_queue_depth", engine.queueDepth, "Ready jobs waiting for a worker."),
            ("agentd_jobs_open", gauges.openJobs, "Jobs not yet done (ready, running, or waiting on a timer)."),
            ("agentd_steps_succeeded", statistics.stepsSucceeded, "Step attempts that succeeded since start."),
            ("agentd_steps_failed", statistics.stepsFailed, "Steps that failed for good since start."),
            ("agentd_step_retries", statistics.retries, "Failed attempts that were retried since start."),
            ("agentd_stale_completions", statistics.staleCompletions, "Completions refused because the job's lease was lost."),
            ("agentd_jobs_recovered", statistics.recovered, "Jobs taken over at start from an earlier process."),
            ("agentd_lease_expiries", statistics.leaseExpiries, "Running steps whose lease expired (no heartbeat) and that went back to ready."),
            ("agentd_breakers_open", breakers.filter { $0.breaker.state != .closed }.count, "Circuit breakers not closed."),
            ("agentd_breaker_opens", breakers.reduce(0) { $0 + $1.breaker.opens }, "Times any breaker opened since start."),
            ("agentd_workflow_cache_hits", cache.hits, "Compiled workflow versions found in the cache."),
            ("agentd_workflow_cache_misses", cache.misses, "Compiled workflow versions loaded and compiled."),
        ] {
            registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help)).set(Double(value))
        }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16_384)
        registry.emit(into: &buffer)
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }

    static func status(_ request: Request, _ context: AgentRequestContext, _ services: APIServices) async throws -> Response {
        let database = services.database
        let uptime = ContinuousClock.now - services.info.startedAtMonotonic
        let body = StatusBody(
            version: services.info.version,
            schemaVersion: database.schemaVersion,
            database: .init(path: database.options.path, sizeBytes: database.sizeOnDisk(),
                            synchronous: database.options.synchronous.rawValue.lowercased()),
            startedAt: services.info.startedAt.rfc3339,
            uptimeSeconds: Double(uptime.components.seconds) + Double(uptime.components.attoseconds) / 1e18,
            devMode: services.info.devMode,
            writer: database.writer.currentStatistics)
        return try JSONResponse.make(.ok, body)
    }

    struct StatusBody: Encodable {
        struct DatabaseInfo: Encodable {
            let path: String
            let sizeBytes: Int64
            let synchronous: String
        }

        let version: String
        let schemaVersion: Int
        let database: DatabaseInfo
        let startedAt: String
        let uptimeSeconds: Double
        let devMode: Bool
        let writer: WriterStatistics
    }
}
