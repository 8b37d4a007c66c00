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
