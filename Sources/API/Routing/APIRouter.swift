import Core
import Hummingbird
import Platform
import Prometheus

/// Builds the one router both listeners serve, from the route files' tables. The list of route
/// files is in `APIRouter+Table.swift`.
public enum APIRouter {
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
    static let publicAPIRoutes: Set<String> = ["POST /api/v1/login", "POST /api/v1/sso/{provider}/terminal-logins",
                                               "POST /api/v1/sso/terminal-logins/finish",
                                               // The token in the path is the credential (docs/collaboration.md#share-links).
                                               "GET /api/v1/shared/{token}"]

    /// Checks the table: no route twice, well-formed paths, and no `/api/` route open to
    /// anyone except those named in `publicAPIRoutes`. agentd does not start otherwise.
    public static func validate(_ routes: [RouteDeclaration]) throws {
        var seen = Set<String>()
        for route in routes {
            guard route.path.hasPrefix("/"), route.path == "/" || !route.path.hasSuffix("/") else {
                throw TableError.badPath(route.path)
            }
            if route.path.hasPrefix("/api/"), route.access == .public, !publicAPIRoutes.contains(route.name) {
                throw TableError.publicAPIRoute(route.name)
            }
            guard seen.insert(route.name).inserted else { throw TableError.duplicate(route.name) }
        }
    }

    /// The router over `routes` (each bound to its file's services), behind the middleware:
    /// request id → HTTP metrics → problem rendering → identity → rate limits. Every route's
    /// access is checked before its handler runs; a refusal is audited through `refusals`;
    /// every change (not a GET or HEAD) is one log line whatever its outcome.
    public static func build(routes: [BoundRoute], identity: IdentityMiddleware, rateLimits: RateLimits,
                             registry: PrometheusCollectorRegistry, refusals: RefusalAudit,
                             clock: WallClock, latencies: RequestLatencies? = nil, tracing: Bool = false) throws -> Router<AgentRequestContext> {
        let declarations = routes.map(\.declaration)
        try validate(declarations)
        let router = Router(context: AgentRequestContext.self)
        // First, so the request's span covers the rest; it continues an incoming `traceparent`.
        if tracing { router.add(middleware: TracingMiddleware(redactingQueryParameters: ["cursor"])) }
        router.add(middleware: RequestIDMiddleware(clock: clock))
        router.add(middleware: HTTPMetricsMiddleware(registry: registry, knownPaths: Set(declarations.map(\.path)), latencies: latencies))
        router.add(middleware: ProblemMiddleware(routes: declarations))
        router.add(middleware: identity)
        router.add(middleware: RateLimitMiddleware(limits: rateLimits, buckets: BucketStore(), clock: clock))
        for bound in routes {
            let route = bound.declaration
            router.on(RouterPath(route.path), method: route.method) { request, context in
                do {
                    try authorize(route.access, context)
                } catch APIError.forbidden(let permission) {
                    // A refused request is a security event: audit it (it changes nothing else).
                    await refusals.record(permission, route: route.name, context)
                    throw APIError.forbidden(permission)
                }
                guard route.method != .get, route.method != .head else { return try await bound.respond(request, context) }
                // Every change is one log event (in the journal: AGENTD_ACTION, AGENTD_ORG,
                // AGENTD_REQUEST_ID), whatever its outcome; reads are not logged.
                let began = ContinuousClock.now
                var status = 500
                defer {
                    let elapsed = ContinuousClock.now - began
                    context.logger.info("change requested", metadata: [
                        "action": "\(route.operation.id)", "method": "\(route.method.rawValue)", "path": "\(request.uri.path)",
                        "status": "\(status)", "org": "\(context.caller?.scope.orgID.rawValue ?? "-")", "actor": "\(context.caller?.name ?? "unknown")",
                        "duration_ms": "\(elapsed.inMilliseconds)",
                    ])
                }
                do {
                    let response = try await bound.respond(request, context)
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

    /// What a mutating repository method needs: scope, audit actor, request id, time (now on `clock`).
    func change(_ clock: WallClock) throws -> ChangeContext {
        guard let caller else { throw identityFailure ?? APIError.unauthenticated("Identify yourself.") }
        return ChangeContext(scope: caller.scope, actor: caller.name, requestID: requestID, now: clock.now(),
                             actingUser: caller.userID)
    }
}

/// The caller of a route whose access is not `.public`.
func requireCaller(_ context: AgentRequestContext) throws -> Caller {
    guard let caller = context.caller else { throw context.identityFailure ?? APIError.unauthenticated("Identify yourself.") }
    return caller
}
