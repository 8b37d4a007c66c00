import Core
import Platform
import Storage

/// Records a refused request (`permission.denied`) in the audit chain: the router's own
/// permission check and the checks routes make when the permission depends on the body
/// (`POST /api/v1/apply`) both refuse through this, so a refusal is audited the same way
/// wherever it is decided. It changes nothing else.
public struct RefusalAudit: Sendable {
    let audit: AuditLog
    let clock: WallClock

    public init(audit: AuditLog, clock: WallClock) {
        self.audit = audit
        self.clock = clock
    }

    /// Audits the refusal of `permission` on `route` (`POST /api/v1/apply`). The caller gets its
    /// 403 even if the audit write fails: that failure is logged, not thrown.
    func record(_ permission: Permission, route: String, _ context: AgentRequestContext) async {
        do {
            try await audit.record(AuditEntry(
                at: clock.now(), orgID: context.caller?.scope.orgID.rawValue,
                actor: context.caller?.name ?? "unknown", action: .permissionDenied, outcome: .denied,
                requestID: context.requestID, details: ["permission": permission.rawValue, "route": route]))
        } catch {
            context.logger.error("could not audit a refused request", metadata: ["error": "\(error)"])
        }
    }

    /// Throws `forbidden` (after auditing it) unless the identified caller's scope grants
    /// `permission`: for a permission a route decides from its body.
    func require(_ permission: Permission, route: String, _ context: AgentRequestContext) async throws {
        let caller = try requireCaller(context)
        guard !caller.scope.allows(permission) else { return }
        await record(permission, route: route, context)
        throw APIError.forbidden(permission)
    }
}
