import Core
import Foundation
import Hummingbird
import NIOCore
import Storage

/// The archive of executions retention removed (docs/compliance.md#archive): months, a month's
/// executions as JSON lines, and restoring a month for an investigation. All need
/// compliance.manage; an org's caller sees its own org's executions only.
public enum ArchiveRoutes: RouteFile {
    public typealias Services = ComplianceService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.get, "/api/v1/archive", needs: .permission(.complianceManage),
                      Operation(id: "listArchive", summary: "The archived months, newest first, with how many of your executions each holds.",
                                tag: "orgs", success: (200, Schemas.archiveMonths, "application/json"), problems: [409]),
                      handler: list),
            RouteSpec(.get, "/api/v1/archive/{month}", needs: .permission(.complianceManage),
                      Operation(id: "exportArchive", summary: "A month's archived executions (YYYY-MM), one JSON object per line, with their steps and events as stored.",
                                tag: "orgs", success: (200, nil, "application/x-ndjson"), problems: [409, 422]),
                      handler: export),
            RouteSpec(.post, "/api/v1/archive/{month}/restore", needs: .permission(.complianceManage),
                      Operation(id: "restoreArchive", summary: "Bring a month's archived executions back, held from retention for `hold` (default 30d).",
                                tag: "orgs", requestBody: RestoreBody.schema.json, success: (200, Schemas.archiveRestore, "application/json"),
                                problems: [400, 409, 413, 415, 422, 503]),
                      handler: restore),
        ]
    }

    struct RestoreBody: RequestBody {
        let hold: String?

        static let schema = ObjectSchema([
            .init("hold", ["type": "string"], "How long the restored executions are kept from retention: `30d` (default), `1y`; at most 10y."),
        ])
    }

    static func archive(_ services: Services) throws -> ExecutionArchive {
        guard let archive = services.archive else {
            throw APIError.archiveOff
        }
        return archive
    }

    /// The caller's org, or every org for a caller over the whole installation.
    static func org(_ context: AgentRequestContext) throws -> String? {
        let scope = try context.scope()
        return scope.reach == .installation ? nil : scope.orgID.rawValue
    }

    static func month(_ context: AgentRequestContext) throws -> String {
        let month = try context.parameters.require("month")
        guard ExecutionArchive.isMonth(month) else { throw ValidationError(field: "month", "must be a month as YYYY-MM, like 2026-08") }
        return month
    }

    static func list(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let months = try archive(services).months(org: try org(context))
        return try JSONResponse.make(.ok, MonthsBody(items: months.map { .init(month: $0.name, executions: $0.executions, bytes: $0.bytes) }))
    }

    static func export(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        // A month with nothing of the caller's is an empty export, as a listing would be.
        let archive = try archive(services), month = try month(context), org = try org(context)
        var headers = HTTPFields()
        headers[.contentType] = "application/x-ndjson"
        let body = ResponseBody { writer in
            var after: String?
            while true {
                let page = try archive.entries(month: month, org: org, after: after, limit: 200)
                if page.isEmpty { break }
                var buffer = ByteBuffer()
                for entry in page {
                    buffer.writeString(entry.record.canonicalText)
                    buffer.writeInteger(UInt8(ascii: "\n"))
                }
                try await writer.write(buffer)
                after = page.last?.id
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    static func restore(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(RestoreBody.self, from: request, limits: services.limits)
        let archive = try archive(services), month = try month(context), org = try org(context)
        var holdMilliseconds = 30 * Milliseconds.day
        if let hold = body.hold {
            guard case .success(let period) = RetentionPeriod.parse(hold), let milliseconds = period.milliseconds,
                  milliseconds <= 10 * RetentionPeriod.year
            else { throw ValidationError(field: "hold", "must be a period such as 30d or 1y, at most 10y") }
            holdMilliseconds = milliseconds
        }
        let change = try context.change(services.clock)
        var total = RetentionStore.Restored()
        var after: String?
        while true {
            let page = try archive.entries(month: month, org: org, after: after, limit: 100)
            if page.isEmpty { break }
            let restored = try await services.store.restore(page, month: month, holdUntil: change.now.adding(milliseconds: holdMilliseconds), context: change)
            total.restored += restored.restored
            total.present += restored.present
            total.orphaned += restored.orphaned
            after = page.last?.id
        }
        return try JSONResponse.make(.ok, RestoreResult(month: month, restored: total.restored, present: total.present, orphaned: total.orphaned,
                                                        heldUntil: change.now.adding(milliseconds: holdMilliseconds).rfc3339))
    }

    struct MonthsBody: Encodable {
        struct Month: Encodable {
            let month: String
            let executions: Int
            let bytes: Int64
        }

        let items: [Month]
    }

    struct RestoreResult: Encodable {
        let month: String
        let restored: Int
        let present: Int
        let orphaned: Int
        let heldUntil: String
    }
}
