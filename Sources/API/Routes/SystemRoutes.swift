import Core
import Engine
import Foundation
import Hummingbird
import Storage

/// The daemon itself: health, readiness, metrics, the OpenAPI document and status.
public enum SystemRoutes: RouteFile {
    public typealias Services = SystemService

    public static var routes: [RouteSpec<Services>] {
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
                      Operation(id: "getMetrics",
                                summary: "Prometheus text exposition of agentd_* metrics (docs/metrics.md). Public unless `[metrics] require_auth`, which needs system.view.",
                                tag: "system", success: (200, nil, "text/plain; version=0.0.4"), problems: [401, 403]),
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

    static func readiness(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
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

    static func metrics(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        // why: the exposition holds counts per org; with require_auth it also carries org ids,
        // so only callers who may see the whole installation read it.
        if services.metricsRequireAuth {
            let caller = try requireCaller(context)
            guard caller.scope.allows(.systemView) else { throw APIError.forbidden(.systemView) }
        }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16_384)
        services.registry.emit(into: &buffer)
        var text = ""
        try await scrapeFamilies(services, into: &text)
        buffer.append(contentsOf: Array(text.utf8))
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }

    /// The families read at scrape (`MetricFamily.Source.scrape`): counters and gauges agentd
    /// keeps in memory, and execution counts from `execution_tally` (no scan of history).
    static func scrapeFamilies(_ services: Services, into text: inout String) async throws {
        typealias C = MetricCatalog
        func one(_ family: MetricFamily, _ value: Int) { ExpositionText.render(family, [.init(Double(value))], into: &text) }
        one(C.databaseSize, Int(services.database.sizeOnDisk()))
        one(C.uptime, Int((ContinuousClock.now - services.info.startedAtMonotonic).components.seconds))
        let gauges = try await services.executions.gauges()
        ExpositionText.render(C.executions, ExecutionStatus.allCases.map { .init(labels: [$0.rawValue], Double(gauges.byStatus[$0] ?? 0)) },
                              into: &text)
        one(C.executionsActive, gauges.activeByOrg.values.reduce(0, +))
        if services.metricsRequireAuth {
            ExpositionText.render(C.orgExecutionsActive,
                                  gauges.activeByOrg.sorted { $0.key.rawValue < $1.key.rawValue }
                                      .map { .init(labels: [$0.key.rawValue], Double($0.value)) },
                                  into: &text)
        }
        let engine = services.engine
        let statistics = engine.statistics
        let cache = services.executions.workflows.statistics
        let breakers = engine.breakers.snapshot()
        one(C.queueDepth, engine.queueDepth)
        one(C.jobsOpen, gauges.openJobs)
        one(C.breakersOpen, breakers.filter { $0.breaker.state != .closed }.count)
        one(C.stepsSucceeded, statistics.stepsSucceeded)
        one(C.stepsFailed, statistics.stepsFailed)
        one(C.stepRetries, statistics.retries)
        one(C.staleCompletions, statistics.staleCompletions)
        one(C.jobsRecovered, statistics.recovered)
        one(C.leaseExpiries, statistics.leaseExpiries)
        one(C.breakerOpens, breakers.reduce(0) { $0 + $1.breaker.opens })
        one(C.scheduleFires, statistics.scheduleFires)
        one(C.scheduleSlotsMissed, statistics.scheduleSlotsMissed)
        one(C.workflowCacheHits, cache.hits)
        one(C.workflowCacheMisses, cache.misses)
    }

    static func status(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let database = services.database
        let uptime = ContinuousClock.now - services.info.startedAtMonotonic
        var forwarding: AuditForwardState?
        if let target = services.info.auditForward {
            forwarding = try await AuditForwardCursor(database: database, target: target.description).state()
        }
        var sentry: StatusBody.SentryBody?
        if let dsn = services.info.sentry {
            let state = try await ErrorForwardCursor(database: database, target: ErrorForwardCursor.target(dsn)).state()
            sentry = .init(target: dsn.redacted, lastSentFailureAt: state.lastSent?.rfc3339, pending: state.pending, lastError: state.lastError)
        }
        var retention: StatusBody.RetentionBody?
        if let standing = try await services.retention?.standing() { retention = StatusBody.RetentionBody(standing) }
        let body = StatusBody(
            version: services.info.version,
            schemaVersion: database.schemaVersion,
            database: .init(path: database.options.path, sizeBytes: database.sizeOnDisk(),
                            synchronous: database.options.synchronous.rawValue.lowercased()),
            startedAt: services.info.startedAt.rfc3339,
            uptimeSeconds: uptime.inSeconds,
            devMode: services.info.devMode,
            writer: database.writer.currentStatistics,
            auditForward: forwarding.map { state in
                StatusBody.AuditForwardBody(target: state.target, forwardedSeq: state.lastSequence, headSeq: state.headSequence, lag: state.lag,
                      updatedAt: state.updatedAt?.rfc3339, lastError: state.lastError)
            },
            sentry: sentry,
            alerts: try await AlertBook.summary(database),
            retention: retention)
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
        /// Present when `[audit] forward` is set.
        let auditForward: AuditForwardBody?

        /// Present when `[errors] sentry_dsn` is set.
        let sentry: SentryBody?
        /// Alerting across every org.
        let alerts: AlertBook.Summary
        /// What retention keeps and frees (docs/compliance.md#retention).
        let retention: RetentionBody?

        struct RetentionBody: Encodable {
            let executions: String
            let stepPayloads: String
            let audit: String
            let incrementalVacuum: Bool
            let vacuum: String
            let freeBytes: Int64
            let dueExecutions: Int
            let dueStepPayloads: Int
            let running: Bool
            let nextPassAt: String?
            let lastPass: LastPass?

            struct LastPass: Encodable {
                let startedAt: String
                let finishedAt: String?
                let executionsRemoved: Int
                let stepPayloadsRemoved: Int
                let bytesFreed: Int64
                let error: String?
            }

            init(_ standing: Retention.Standing) {
                executions = RetentionPeriod(milliseconds: standing.site.executionsMilliseconds).text
                stepPayloads = RetentionPeriod(milliseconds: standing.site.stepPayloadsMilliseconds).text
                audit = RetentionPeriod(milliseconds: standing.site.auditMilliseconds).text
                incrementalVacuum = standing.file.incrementalVacuum
                vacuum = standing.vacuum
                freeBytes = Int64(standing.file.freePages) * Int64(standing.file.pageSize)
                dueExecutions = standing.dueExecutions
                dueStepPayloads = standing.duePayloads
                running = standing.running
                nextPassAt = standing.nextPassAt?.rfc3339
                lastPass = standing.lastPass.map { pass in
                    LastPass(startedAt: pass.startedAt.rfc3339, finishedAt: pass.finishedAt?.rfc3339, executionsRemoved: pass.executionsRemoved,
                             stepPayloadsRemoved: pass.payloadsRemoved, bytesFreed: Int64(pass.pagesFreed) * Int64(standing.file.pageSize),
                             error: pass.error)
                }
            }
        }

        struct SentryBody: Encodable {
            let target: String
            let lastSentFailureAt: String?
            let pending: Int
            let lastError: String?
        }

        struct AuditForwardBody: Encodable {
            let target: String
            let forwardedSeq: Int64
            let headSeq: Int64
            let lag: Int64
            let updatedAt: String?
            let lastError: String?
        }
    }
}
