import Core
import Hummingbird

/// Builds the one router both listeners serve, from the route files' tables.
public enum APIRouter {
    /// Every route agentd serves. Adding a route file means adding it here.
    public static var routes: [RouteSpec] {
        SystemRoutes.routes + OrgRoutes.routes + UserRoutes.routes + RoleRoutes.routes + TeamRoutes.routes + SessionRoutes.routes + MFARoutes.routes
            + PlanRoutes.routes + SecretRoutes.routes + APIKeyRoutes.routes + AuditRoutes.routes
            + DefinitionRoutes.routes + AgentRoutes.routes + WorkflowRoutes.routes + ExecutionRoutes.routes
            + ModelRoutes.routes + BudgetRoutes.routes + CostRoutes.routes + ActivityRoutes.routes + BackupRoutes.routes
    }

    public enum TableError: Error, CustomStringConvertible, Equatable {
        case duplicate(String)
        case badPath(String)
        case publicAPIRoute(String)

        public var description: String {
            switch self {
            case .duplicate(let route): "route declared twice: \(route)"
            case .badPath(let path): "route path must start with / and have no trailing /: \(path)"
            case .publicAPIRoute(let route): "an /api/ route must need a caller or a permission: \(route)"
            }
        }
    }

    /// The only `/api/` routes anyone may call unidentified.
    static let publicAPIRoutes: Set<String> = ["POST /api/v1/login"]

    /// Checks the table: no route twice, well-formed paths, and no `/api/` route open to
    /// anyone except those named in `publicAPIRoutes`. agentd does not start otherwise.
    public static func validate(_ routes: [RouteSpec]) throws {
        var seen = Set<String>()
        for route in routes {
            guard route.path.hasPrefix("/"), route.path == "/" || !route.path.hasSuffix("/") else {
                throw TableError.badPath(route.path)
            }
            let name = "\(route.method.rawValue) \(route.path)"
            if route.path.hasPrefix("/api/"), route.access == .public, !publicAPIRoutes.contains(name) {
                throw TableError.publicAPIRoute(name)
            }
            let key = "\(route.method.rawValue) \(route.path)"
            guard seen.insert(key).inserted else { throw TableError.duplicate(key) }
        }
    }

    public static func build(services: APIServices, routes: [RouteSpec] = APIRouter.routes) throws -> Router<AgentRequestContext> {
        try validate(routes)
        let router = Router(context: AgentRequestContext.self)
        router.add(middleware: RequestIDMiddleware(clock: services.clock))
        router.add(middleware: HTTPMetricsMiddleware(registry: services.registry, knownPaths: Set(routes.map(\.path))))
        router.add(middleware: ProblemMiddleware(routes: routes))
        router.add(middleware: IdentityMiddleware(policy: services.identity, authenticator: services.authenticator,
                                                  passwordLogin: services.passwordLogin, users: services.users,
                                                  clock: services.clock))
        router.add(middleware: RateLimitMiddleware(limits: services.rateLimits, buckets: BucketStore(), clock: services.clock))
        for route in routes {
            router.on(RouterPath(route.path), method: route.method) { request, context in
                do {
                    try authorize(route.access, context)
                } catch APIError.forbidden(let permission) {
                    // A refused request is a security event: audit it (it changes nothing else).
                    // The caller gets its 403 even if the audit write fails (that is logged).
                    do {
                        try await services.audit.record(AuditEntry(
                            at: services.clock.now(), orgID: context.caller?.scope.orgID.rawValue,
                            actor: context.caller?.name ?? "unknown", action: .permissionDenied, outcome: .denied,
                            requestID: context.requestID,
                            details: ["permission": permission.rawValue, "route": "\(route.method.rawValue) \(route.path)"]))
                    } catch {
                        context.logger.error("could not audit a refused request", metadata: ["error": "\(error)"])
                    }
                    throw APIError.forbidden(permission)
                }
                guard route.method != .get, route.method != .head else { return try await route.handler(request, context, services) }
                // Every change is one log event (in the journal: AGENTD_ACTION, AGENTD_ORG,
                // AGENTD_REQUEST_ID), whatever its outcome; reads are not logged.
                let began = ContinuousClock.now
                var status = 500
                defer {
                    let elapsed = ContinuousClock.now - began
                    context.logger.info("change requested", metadata: [
                        "action": "\(route.operation.id)", "method": "\(route.method.rawValue)", "path": "\(request.uri.path)",
                        "status": "\(status)", "org": "\(context.caller?.scope.orgID.rawValue ?? "-")", "actor": "\(context.caller?.name ?? "unknown")",
                        "duration_ms": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)",
                    ])
                }
                do {
                    let response = try await route.handler(request, context, services)
                    status = Int(response.status.code)
                    return response
                } catch {
                    status = Problems.problem(for: error).status
                    throw error
                }
            }
        }
        return router
    }

    /// The permission check every route goes through. `.public` needs nothing; otherwise the
    /// caller must be identified, and for `.permission` its scope must grant the permission.
    static func authorize(_ access: Access, _ context: AgentRequestContext) throws {
        switch access {
        case .public:
            return
        case .authenticated:
            guard context.caller != nil else { throw context.identityFailure ?? APIError.unauthenticated("Identify yourself.") }
        case .permission(let permission):
            guard let caller = context.caller else {
                throw context.identityFailure ?? APIError.unauthenticated("Identify yourself.")
            }
            guard caller.scope.allows(permission) else { throw APIError.forbidden(permission) }
        }
    }
}

extension AgentRequestContext {
    /// The caller's scope; routes with `.permission` access always have one.
    func scope() throws -> Scope {
        guard let caller else { throw identityFailure ?? APIError.unauthenticated("Identify yourself.") }
        return caller.scope
    }

    /// What a mutating repository method needs: scope, audit actor, request id, time.
    func change(_ services: APIServices) throws -> ChangeContext {
        guard let caller else { throw identityFailure ?? APIError.unauthenticated("Identify yourself.") }
        return ChangeContext(scope: caller.scope, actor: caller.name, requestID: requestID, now: services.clock.now(),
                             actingUser: caller.userID)
    }
}

/// The caller of a route whose access is not `.public`.
func requireCaller(_ context: AgentRequestContext) throws -> Caller {
    guard let caller = context.caller else { throw context.identityFailure ?? APIError.unauthenticated("Identify yourself.") }
    return caller
}
