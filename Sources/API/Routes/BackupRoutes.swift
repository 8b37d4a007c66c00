import Core
import Foundation
import Hummingbird
import AgentSecurity
import Storage

/// Online backups (`agentctl backup FILE`): a consistent snapshot written while executions
/// run, then checked (SQLite integrity, the audit chain) and summed. Only socket
/// administrators (system.backup), only into the configured backup directory. The vault's
/// master key is never in a backup: it is not in the database.
public enum BackupRoutes: RouteFile {
    static let schema: JSON = [
        "type": "object",
        "properties": [
            "file": ["type": "string"], "bytes": ["type": "integer"], "sha256": ["type": "string"], "duration_ms": ["type": "number"],
            "mb_per_s": ["type": "number"], "schema_version": ["type": "integer"], "integrity": ["type": "string"],
            "audit_entries": ["type": "integer"], "audit_chain": ["enum": ["ok", "broken"]], "executions": ["type": "integer"], "orgs": ["type": "integer"],
        ],
    ]

    public typealias Services = BackupService

    public static var routes: [RouteSpec<Services>] {
        [
            RouteSpec(.post, "/api/v1/system/backup", needs: .permission(.systemBackup),
                      Operation(id: "createBackup", summary: "Write a consistent online backup into the backup directory and check it.",
                                tag: "system", requestBody: Body.schema.json, success: (201, schema, "application/json"),
                                problems: [400, 409, 413, 415, 422]),
                      handler: create),
        ]
    }

    struct Body: RequestBody {
        let file: String
        static let schema = ObjectSchema([
            .init("file", ["type": "string", "minLength": 1, "maxLength": 1024], required: true,
                  "A file name (put in the backup directory) or a path inside it; it must not exist."),
        ])
    }

    static func create(_ request: Request, _ context: AgentRequestContext, _ services: Services) async throws -> Response {
        let body = try await BodyDecoder.decode(Body.self, from: request, limits: services.limits)
        let done = try await services.create(file: body.file, change: context.change(services.clock))
        let (bytes, seconds, check) = (done.bytes, done.seconds, done.check)
        return DefinitionResources.respond(.created, [
            "file": .string(done.path), "bytes": .integer(Int(bytes)), "sha256": .string(done.sha256),
            "duration_ms": .number((seconds * 10_000).rounded() / 10), "mb_per_s": .number(seconds > 0 ? (Double(bytes) / 1_048_576 / seconds * 10).rounded() / 10 : 0),
            "schema_version": .integer(check.schemaVersion), "integrity": .string(check.integrity),
            "audit_entries": .integer(Int(check.auditEntries)), "audit_chain": .string(check.auditBreak == nil ? "ok" : "broken"),
            "executions": .integer(check.executions), "orgs": .integer(check.orgs),
        ])
    }
}
